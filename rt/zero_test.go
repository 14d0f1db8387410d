package rt_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/spool-go/spool/rt"
)

// TestNilRuntimeMethods: the methods of a nil or zero Runtime answer
// instead of panicking, as Spawn does (with ErrNilRuntime): a deferred
// Shutdown written before New's error is checked must not panic.
func TestNilRuntimeMethods(t *testing.T) {
	for _, c := range []struct {
		name string
		r    *rt.Runtime
	}{{"nil", nil}, {"zero", &rt.Runtime{}}} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.r.Shutdown(context.Background()); !errors.Is(err, rt.ErrNilRuntime) {
				t.Errorf("Shutdown = %v; want ErrNilRuntime", err)
			}
			if got := c.r.Metrics(); !reflect.DeepEqual(got, rt.Metrics{}) {
				t.Errorf("Metrics = %+v; want zero", got)
			}
			if got := c.r.Tasks(); got != nil {
				t.Errorf("Tasks = %v; want nil", got)
			}
			if err := c.r.Publish("spool-test-nil-runtime"); !errors.Is(err, rt.ErrNilRuntime) {
				t.Errorf("Publish = %v; want ErrNilRuntime", err)
			}
		})
	}
}
