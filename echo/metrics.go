package echo

import (
	"fmt"
	"io"
	"net/http"
)

// WritePrometheus writes m in the Prometheus text exposition format, each
// metric named echo_<field>.
func (m Metrics) WritePrometheus(w io.Writer) error {
	_, err := fmt.Fprintf(w, `# HELP echo_active Connections being served now.
# TYPE echo_active gauge
echo_active %d
# HELP echo_parked Of the active connections, those waiting without a goroutine (ParkIdle).
# TYPE echo_parked gauge
echo_parked %d
# HELP echo_accepted_total Connections accepted and served.
# TYPE echo_accepted_total counter
echo_accepted_total %d
# HELP echo_rejected_total Connections closed at once because MaxConns were served.
# TYPE echo_rejected_total counter
echo_rejected_total %d
# HELP echo_idle_closed_total Connections closed by the idle timeout.
# TYPE echo_idle_closed_total counter
echo_idle_closed_total %d
# HELP echo_bytes_in_total Bytes read from clients.
# TYPE echo_bytes_in_total counter
echo_bytes_in_total %d
# HELP echo_bytes_out_total Bytes echoed back.
# TYPE echo_bytes_out_total counter
echo_bytes_out_total %d
# HELP echo_errors_total Connections that ended with an error.
# TYPE echo_errors_total counter
echo_errors_total %d
`, m.Active, m.Parked, m.Accepted, m.Rejected, m.IdleClosed, m.BytesIn, m.BytesOut, m.Errors)
	return err
}

// MetricsHandler returns an HTTP handler that serves the server's
// [Metrics] in the Prometheus text format, for a scraper or curl:
//
//	go http.Serve(metricsListener, s.MetricsHandler())
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = s.Metrics().WritePrometheus(w)
	})
}
