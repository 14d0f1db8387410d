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
		// Format characters that names hold for good reasons stay as they
		// are (the first version quoted them: a review).
		{"fam \U0001F468\u200d\U0001F469\u200d\U0001F467", "fam \U0001F468\u200d\U0001F469\u200d\U0001F467"},     // emoji joined by ZWJ
		{"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"}, // Persian with ZWNJ
		{"flag \U0001F3F4\U000E0067\U000E0062\U000E007F", "flag \U0001F3F4\U000E0067\U000E0062\U000E007F"},       // tag characters
		{"zwsp\u200bx", `"zwsp\u200bx"`},
		{"bom\ufeffx", `"bom\ufeffx"`},
		{"ls\u2028x", `"ls\u2028x"`},
		{"report\u206a.txt", `"report\u206a.txt"`}, // invisible: passed for report.txt (a review)
		{"mvs\u180ex", `"mvs\u180ex"`},
		{"langtag\U000E0001x", `"langtag\U000e0001x"`},
	}
	for _, tt := range tests {
		if got := Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}
