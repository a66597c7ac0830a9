package jenkinsfile

import (
	"reflect"
	"testing"
)

// TestStrings checks how string literals are read: each src is one
// literal; want lists its parts, "${...}" marking interpolated ones.
func TestStrings(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"single", `'a b'`, []string{"a b"}},
		{"empty single", `''`, nil},
		{"empty double", `""`, nil},
		{"escaped quote", `'it\'s'`, []string{"it's"}},
		{"double quote in single", `'say "hi"'`, []string{`say "hi"`}},
		{"escaped double", `"say \"hi\""`, []string{`say "hi"`}},
		{"backslash", `'a\\b'`, []string{`a\b`}},
		{"newline and tab", `'a\nb\tc'`, []string{"a\nb\tc"}},
		{"unicode escape", `'\u00e9\u2615'`, []string{"é☕"}},
		{"dollar in single", `'${X} $Y'`, []string{"${X} $Y"}},
		{"escaped dollar", `"\$HOME \${X}"`, []string{"$HOME ${X}"}},
		{"interpolation", `"a ${X} b"`, []string{"a ", "${X}", " b"}},
		{"bare name", `"a $X.y b"`, []string{"a ", "${X.y}", " b"}},
		{"name ends at a dot", `"$X."`, []string{"${X}", "."}},
		{"spaces in braces", `"${ params.X }"`, []string{"${params.X}"}},
		{"triple single", "'''a\n'b'\n''c'''", []string{"a\n'b'\n''c"}},
		{"triple double", "\"\"\"a\n${X}\"\"\"", []string{"a\n", "${X}"}},
		{"triple quote escaped", `"""a\"""b"""`, []string{`a"""b`}},
		{"line continuation", "'a\\\nb'", []string{"ab"}},
		{"comment markers", `'// not /* a comment */'`, []string{"// not /* a comment */"}},
		{"braces", `'{ } ( ) [ ]'`, []string{"{ } ( ) [ ]"}},
		{"slash escape", `'a\/b'`, []string{"a/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := lex(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if len(toks) != 2 || toks[0].Kind != tString {
				t.Fatalf("tokens %+v, want one string", toks)
			}
			var got []string
			for _, p := range toks[0].Parts {
				if p.Interp {
					got = append(got, "${"+p.Text+"}")
				} else {
					got = append(got, p.Text)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parts %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`'abc`, `line 1, column 1: unterminated string (' without its closing ')`},
		{"x = \"a\nb\"", `line 1, column 5: unterminated string (" without its closing " on the same line; use """ for several lines)`},
		{`'''abc''`, `line 1, column 1: unterminated string (''' without its closing ''')`},
		{`'\q'`, `line 1, column 2: unknown escape \q in a string`},
		{`'\u12'`, `line 1, column 2: bad escape \u (four hexadecimal digits must follow)`},
		{`'\uzzzz'`, `line 1, column 2: bad escape \u (four hexadecimal digits must follow)`},
		{`"a $ b"`, `line 1, column 4: a "$" in a double-quoted string must start ${...} or a name; write \$ for a "$" itself`},
		{`"${a"`, `line 1, column 2: unsupported ${...} in a string: only ${NAME}, ${env.NAME} and ${params.NAME} are supported`},
		{`"${a ? 'b' : 'c'}"`, `line 1, column 2: unsupported ${...} in a string: only ${NAME}, ${env.NAME} and ${params.NAME} are supported`},
		{"a\n  /* b", `line 2, column 3: unterminated comment (/* without */)`},
		{"\xff", `line 1, column 1: the Jenkinsfile is not valid UTF-8`},
	}
	for _, tt := range tests {
		_, err := lex(tt.src)
		if err == nil || err.Error() != tt.want {
			t.Errorf("lex(%q) = %v, want %s", tt.src, err, tt.want)
		}
	}
}

// TestPositions checks lines and columns, in characters, across comments.
func TestPositions(t *testing.T) {
	src := "#!/usr/bin/env groovy\n/* é\n */ a 'é' b // c\n\tx(\n y)"
	toks, err := lex(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []pos
	for _, tk := range toks {
		if tk.Kind != tNewline {
			got = append(got, tk.Pos)
		}
	}
	want := []pos{{3, 5}, {3, 7}, {3, 11}, {4, 2}, {4, 3}, {5, 2}, {5, 3}, {5, 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("positions %v, want %v", got, want)
	}
}
