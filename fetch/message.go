package fetch

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/spool-go/spool/retry"
	"github.com/spool-go/spool/retry/httpretry"
	"github.com/spool-go/spool/task"
)

// message is err, the error of the URL rawURL, as the record of `spool
// fetch` shows it: in the user's terms, without the names of the packages
// it came through ("httpretry: 404 Not Found" reads "404 Not Found"), and
// without the request's URL when that is the record's own. Nothing else is
// dropped: how many attempts were made when retrying gave up, which phase
// an attempt timed out in, and the network's own error. Errors of fetch
// itself ("fetch: cancelled", "fetch: malformed URL: ...") are shown as
// they are. A URL it names has its password masked by Redact ("xxxxx"),
// where net/http's errors write "***".
func message(err error, rawURL string) string {
	switch e := err.(type) {
	case *retry.Error:
		return retryMessage(e, rawURL)
	case *httpretry.StatusError:
		if e.Status != "" {
			return e.Status // "404 Not Found"
		}
		return fmt.Sprintf("status %d", e.Code)
	case *task.TimeoutError:
		// The attempt failed once its time limit had passed: whatever its
		// own error says ("Get URL: task: time limit passed"), the limit
		// is what stopped it.
		if _, ok := errors.AsType[*bodyError](e.Err); ok {
			return fmt.Sprintf("timed out after %v reading the body", e.Limit)
		}
		return fmt.Sprintf("timed out after %v", e.Limit)
	case *url.Error:
		if sameURL(e.URL, rawURL) {
			return message(e.Err, rawURL) // "dial tcp 127.0.0.1:1: connect: connection refused"
		}
		return fmt.Sprintf("%s %q: %s", e.Op, Redact(e.URL), message(e.Err, rawURL))
	case *bodyError:
		return "fetch: reading body: " + message(e.err, rawURL)
	}
	return redactQuoted(err.Error())
}

// quoted finds the strings that an error text quotes, as Go's %q does
// (a '"' inside one is escaped).
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// redactQuoted masks, with Redact, the passwords in the strings that msg
// quotes and that hold an '@': net/http's error for a redirect whose
// Location does not parse quotes it whole, password included ("failed to
// parse Location header \"http://ann:pw@host/\": ..."). The pieces of a
// password masked so are masked in the other strings msg quotes (net/url's
// "invalid port \":pw\" after host" quotes one), not in its own words.
func redactQuoted(msg string) string {
	if !strings.Contains(msg, "@") {
		return msg
	}
	var secrets []string
	for _, q := range quoted.FindAllString(msg, -1) {
		in, err := strconv.Unquote(q)
		if err != nil || !strings.Contains(in, "@") {
			continue
		}
		if from, to, ok := passwordSpan(in); ok {
			secrets = append(secrets, strings.FieldsFunc(in[from:to], func(r rune) bool { return strings.ContainsRune(`/\\?#:[]`, r) })...)
		}
	}
	if secrets == nil {
		return msg
	}
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		in, err := strconv.Unquote(q)
		if err != nil {
			return q
		}
		out := Redact(in)
		for _, p := range secrets {
			if len(p) >= 3 { // shorter pieces would mask at random
				out = strings.ReplaceAll(out, p, "xxxxx")
			}
		}
		if out == in {
			return q
		}
		return strconv.Quote(out)
	})
}

// retryMessage is the error of a URL whose retries gave up: the last
// attempt's error, then how many attempts were made and, unless it was
// that the attempts were used up or the last error was not worth
// retrying, why retrying stopped.
func retryMessage(e *retry.Error, rawURL string) string {
	var why string
	switch {
	case e.Cause == nil:
	case errors.Is(e.Cause, retry.ErrAttempts), errors.Is(e.Cause, retry.ErrPermanent):
	default:
		why = strings.TrimPrefix(e.Cause.Error(), "retry: ") // "time budget spent"
	}
	var gaveUp string
	switch e.Attempts {
	case 0:
		gaveUp = "gave up before the first attempt"
	case 1:
		gaveUp = "gave up after 1 attempt"
	default:
		gaveUp = fmt.Sprintf("gave up after %d attempts", e.Attempts)
	}
	if why != "" {
		gaveUp += ": " + why
	}
	if e.Last == nil {
		return gaveUp
	}
	return message(e.Last, rawURL) + " (" + gaveUp + ")"
}

// sameURL reports whether reqURL, the URL of a request as net/http names
// it in a *url.Error, is rawURL, the URL given: as it was given, or as
// net/http writes it back (a scheme in lower case, say, and a password as
// "***").
func sameURL(reqURL, rawURL string) bool {
	if reqURL == rawURL {
		return true
	}
	req := Redact(reqURL)
	if req == Redact(rawURL) {
		return true
	}
	u, err := url.Parse(rawURL)
	return err == nil && req == Redact(u.String())
}
