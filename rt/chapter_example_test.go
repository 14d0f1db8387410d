package rt_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spool-go/spool/rt"
	"github.com/spool-go/spool/task"
)

// The chapter's spawn_tasks: ten tasks spawned on the runtime
// (tokio::task::spawn is rt.Spawn), each sleeping and returning i*i, then
// awaited in turn. The sleep is an await point, so the ten sleep at once
// however few the runtime's worker slots: here a default runtime, as
// #[tokio::main] builds, with one slot per GOMAXPROCS. The sleeps are the
// chapter's 100 ms over 10.
func Example_spawnTasks() {
	ctx := context.Background()
	r, err := rt.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)

	spawnTasks := func(ctx context.Context) ([]int, error) {
		var handles []*task.Task[int]
		for i := range 10 {
			handles = append(handles, rt.Spawn(r, ctx, func(ctx context.Context) (int, error) {
				if err := task.Sleep(ctx, 10*time.Millisecond); err != nil {
					return 0, err
				}
				return i * i, nil // Return value
			}))
		}
		var results []int
		for _, h := range handles {
			v, err := h.Await(ctx) // handle.await.unwrap(), with the error returned
			if err != nil {
				return nil, err
			}
			results = append(results, v)
		}
		return results, nil
	}

	results, err := rt.BlockOn(r, ctx, spawnTasks)
	fmt.Println("Results:", results, err)
	// Output: Results: [0 1 4 9 16 25 36 49 64 81] <nil>
}

// await makes a blocking call an await point: the calling task gives its
// worker slot back while call blocks, as .await does. Go's net and os
// calls block the goroutine (the Go scheduler waits on the socket, not
// the runtime), so a task of a runtime waits on them inside task.Park and
// Resume.
func await[T any](ctx context.Context, call func() (T, error)) (T, error) {
	p := task.Park(ctx)
	defer p.Resume()
	return call()
}

// tcpServer is the chapter's tcp_server, run as a task of r: it accepts
// connections on l and echoes each on a task of its own (tokio::spawn is
// rt.Spawn), until l is closed. Accept, Read and Write are await points.
func tcpServer(ctx context.Context, r *rt.Runtime, l net.Listener) error {
	for {
		socket, err := await(ctx, l.Accept)
		if err != nil {
			return err
		}
		rt.Spawn(r, ctx, func(ctx context.Context) (struct{}, error) {
			defer socket.Close()
			buf := make([]byte, 1024)
			for {
				n, err := await(ctx, func() (int, error) { return socket.Read(buf) })
				if n > 0 {
					if _, err := await(ctx, func() (int, error) { return socket.Write(buf[:n]) }); err != nil {
						fmt.Fprintln(os.Stderr, "Failed to write:", err)
						return struct{}{}, nil
					}
				}
				switch {
				case errors.Is(err, io.EOF):
					return struct{}{}, nil // Connection closed
				case err != nil:
					fmt.Fprintln(os.Stderr, "Failed to read:", err)
					return struct{}{}, nil
				}
			}
		})
	}
}

// The chapter's tcp_server on a current-thread runtime, listening on
// 127.0.0.1 (port 0: any free port). Two clients connect; the first keeps
// its connection open, so its task waits in Read, while the second is
// served; then the first is served again. On one worker slot that works
// only because the waits are await points: a task that blocked in Read
// holding the slot would keep every other task of the runtime from
// running. (Package echo is the same server made for production: limits,
// timeouts, graceful shutdown.)
func Example_tcpServer() {
	ctx := context.Background()
	r, err := rt.New(rt.CurrentThread())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	server := rt.Spawn(r, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, tcpServer(ctx, r, l)
	})

	echo := func(c net.Conn, msg string) {
		if _, err := c.Write([]byte(msg)); err != nil {
			fmt.Println(err)
			return
		}
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(c, buf); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(string(buf))
	}
	first, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	echo(first, "hello from the first client")
	second, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	echo(second, "hello from the second client")
	echo(first, "the first client again")
	first.Close()
	second.Close()

	l.Close() // ends the accept loop
	_, err = server.Await(ctx)
	fmt.Println("server:", errors.Is(err, net.ErrClosed))
	fmt.Println("shutdown:", r.Shutdown(ctx)) // waits for the connections' tasks
	// Output:
	// hello from the first client
	// hello from the second client
	// the first client again
	// server: true
	// shutdown: <nil>
}

// fileIO is the chapter's file_io, run as a task of r: read input.txt
// and write its contents to output.txt, in dir. tokio::fs does each file
// operation on tokio's blocking pool (spawn_blocking), since a regular
// file is never "not ready" to the OS; rt.SpawnBlocking is that pool, and
// Await is the .await.
func fileIO(ctx context.Context, r *rt.Runtime, dir string) error {
	// Read file.
	contents, err := rt.SpawnBlocking(r, ctx, func(context.Context) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, "input.txt"))
	}).Await(ctx)
	if err != nil {
		return err
	}
	// Write file.
	_, err = rt.SpawnBlocking(r, ctx, func(context.Context) (struct{}, error) {
		return struct{}{}, os.WriteFile(filepath.Join(dir, "output.txt"), contents, 0o644)
	}).Await(ctx)
	return err
}

// The chapter's file_io on a runtime: the file operations run on the
// blocking pool, so the task's worker slot stays free for other tasks
// while the disk works. (spool cp, package cp, copies many files this
// way, with checksums and a rename into place.)
func Example_fileIO() {
	ctx := context.Background()
	r, err := rt.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)
	dir, err := os.MkdirTemp("", "file_io")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "input.txt"), []byte("hello from file_io\n"), 0o644); err != nil {
		fmt.Println(err)
		return
	}

	_, err = rt.BlockOn(r, ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fileIO(ctx, r, dir)
	})
	fmt.Println("file_io:", err)
	out, err := os.ReadFile(filepath.Join(dir, "output.txt"))
	fmt.Printf("output.txt: %q %v\n", out, err)
	// Output:
	// file_io: <nil>
	// output.txt: "hello from file_io\n" <nil>
}
