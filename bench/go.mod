module github.com/spool-go/spool/bench

go 1.26.0

replace github.com/spool-go/spool => ../

require github.com/spool-go/spool v0.0.0

require (
	github.com/alitto/pond/v2 v2.7.1 // indirect
	github.com/cenkalti/backoff/v5 v5.0.3 // indirect
	github.com/panjf2000/ants/v2 v2.12.1 // indirect
	github.com/sethvargo/go-retry v0.5.0 // indirect
	github.com/sourcegraph/conc v0.3.0 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
)
