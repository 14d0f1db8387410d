package quote

import "testing"

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"photos/a.jpg", "photos/a.jpg"},
		{"my file.txt", "my file.txt"},
		{"été/ü.html", "été/ü.html"},
		{"-rf", "-rf"},
		{"it's", "it's"},
		{"a\"b", "a\"b"},
		{"", `""`},
		{"evil\nspool: cp: all good\x1b[2K", `"evil\nspool: cp: all good\x1b[2K"`},
		{"tab\there", `"tab\there"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"rlo\u202efdp.exe", `"rlo\u202efdp.exe"`},
		{"nbsp\u00a0x", `"nbsp\u00a0x"`},
		{`"quoted"`, `"\"quoted\""`},
		{" lead", `" lead"`},
		{"trail ", `"trail "`},
		{"Notes: 2024", `"Notes: 2024"`},
		{"a -> b", `"a -> b"`},
		{"del\x7f", `"del\x7f"`},
	}
	for _, tt := range tests {
		if got := Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}
