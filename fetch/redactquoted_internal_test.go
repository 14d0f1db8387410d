package fetch

import "testing"

// TestRedactQuoted: the passwords in the strings an error quotes are
// masked, with their pieces in its other quoted strings; its own words
// are left alone (the first version masked a piece anywhere: "(support
// desk)" read "(xxxxx desk)", a review).
func TestRedactQuoted(t *testing.T) {
	tests := []struct{ in, want string }{
		{`failed to parse Location header "http://ann:pw9@h/": parse "http://ann:pw9@h/": net/url: invalid userinfo`,
			`failed to parse Location header "http://ann:xxxxx@h/": parse "http://ann:xxxxx@h/": net/url: invalid userinfo`},
		{`parse "//ann:Zq7Pw/x@h/": invalid port ":Zq7Pw" after host`,
			`parse "//ann:xxxxx@h/": invalid port ":xxxxx" after host`},
		{`bad "http://ann:se\"cret@h/"`, `bad "http://ann:xxxxx@h/"`},
		{`parse "http://[ann:Secret99]/@h/": invalid host: ParseAddr("ann:Secret99")`, // a review
			`parse "http://[ann:xxxxx@h/": invalid host: ParseAddr("ann:xxxxx")`},
		{`from "mailto:support@example.com" (support desk)`, `from "mailto:xxxxx@example.com" (support desk)`},
		{`no password "bob@example.com" here`, `no password "bob@example.com" here`},
		{`nothing quoted @ all`, `nothing quoted @ all`},
	}
	for _, tt := range tests {
		if got := redactQuoted(tt.in); got != tt.want {
			t.Errorf("redactQuoted(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
