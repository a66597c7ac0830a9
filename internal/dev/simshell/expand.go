package simshell

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

var errTooLong = errors.New("value too long")

// fields collects the fields a word expands to.
type fields struct {
	out  []string
	cur  strings.Builder
	have bool // the current field exists, even if empty ("")
	size int
	max  int
}

func (f *fields) literal(s string) error {
	f.have = true
	return f.write(s)
}

func (f *fields) write(s string) error {
	f.size += len(s)
	if f.size > f.max {
		return errTooLong
	}
	f.cur.WriteString(s)
	return nil
}

// split adds the result of an unquoted expansion: blanks separate fields.
func (f *fields) split(s string) error {
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' {
			f.flush()
			continue
		}
		f.have = true
		if err := f.write(string(r)); err != nil {
			return err
		}
	}
	return nil
}

func (f *fields) flush() {
	if f.have {
		f.out = append(f.out, f.cur.String())
	}
	f.cur.Reset()
	f.have = false
}

// expandWords expands the words of a command into its arguments.
func (sh *Shell) expandWords(ctx context.Context, words []string) ([]string, error) {
	var args []string
	for _, w := range words {
		f := &fields{max: sh.limits.MaxWord}
		if err := sh.expand(ctx, w, f, true); err != nil {
			return nil, err
		}
		f.flush()
		args = append(args, f.out...)
	}
	return args, nil
}

// expandString expands a word without field splitting, as in assignments
// and redirections.
func (sh *Shell) expandString(ctx context.Context, w string) (string, error) {
	f := &fields{max: sh.limits.MaxWord}
	if err := sh.expand(ctx, w, f, false); err != nil {
		return "", err
	}
	return f.cur.String(), nil
}

func (sh *Shell) expand(ctx context.Context, w string, f *fields, splitting bool) error {
	i := 0
	if strings.HasPrefix(w, "~") && (len(w) == 1 || w[1] == '/') {
		if err := f.literal(sh.env["HOME"]); err != nil {
			return err
		}
		i = 1
	}
	for i < len(w) {
		c := w[i]
		switch c {
		case '\\':
			if i+1 < len(w) {
				if err := f.literal(w[i+1 : i+2]); err != nil {
					return err
				}
			}
			i += 2
		case '\'':
			j := strings.IndexByte(w[i+1:], '\'')
			if err := f.literal(w[i+1 : i+1+j]); err != nil {
				return err
			}
			i += j + 2
		case '"':
			end, err := scanDouble(w, i+1)
			if err != nil {
				return err
			}
			f.have = true
			if err := sh.expandDouble(ctx, w[i+1:end-1], f); err != nil {
				return err
			}
			i = end
		case '$':
			val, end, err := sh.dollar(ctx, w, i)
			if err != nil {
				return err
			}
			if splitting {
				err = f.split(val)
			} else {
				err = f.write(val)
			}
			if err != nil {
				return err
			}
			i = end
		default:
			if err := f.literal(w[i : i+1]); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}

// expandDouble expands the inside of double quotes: parameters and
// substitutions without splitting; a backslash escapes only $ ` " \.
func (sh *Shell) expandDouble(ctx context.Context, s string, f *fields) error {
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\", s[i+1]) >= 0:
			if err := f.write(s[i+1 : i+2]); err != nil {
				return err
			}
			i += 2
		case c == '$':
			val, end, err := sh.dollar(ctx, s, i)
			if err != nil {
				return err
			}
			if err := f.write(val); err != nil {
				return err
			}
			i = end
		default:
			if err := f.write(s[i : i+1]); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}

// dollar expands the $ expression at w[i] and returns its value and end.
func (sh *Shell) dollar(ctx context.Context, w string, i int) (string, int, error) {
	if i+1 >= len(w) {
		return "$", i + 1, nil
	}
	switch c := w[i+1]; {
	case c == '(':
		end, err := scanParens(w, i+2)
		if err != nil {
			return "", 0, err
		}
		inner := w[i+2 : end-1]
		if strings.HasPrefix(inner, "(") && strings.HasSuffix(inner, ")") {
			v, err := sh.arithmetic(ctx, inner[1:len(inner)-1])
			return v, end, err
		}
		v, err := sh.substitute(ctx, inner)
		return v, end, err
	case c == '{':
		j := strings.IndexByte(w[i+2:], '}')
		if j < 0 {
			return "", 0, errUnterminated
		}
		v, err := sh.braced(ctx, w[i+2:i+2+j])
		return v, i + 2 + j + 1, err
	case c == '?':
		return strconv.Itoa(sh.status), i + 2, nil
	case c == '$':
		return "1", i + 2, nil
	case c == '#':
		return strconv.Itoa(len(sh.args)), i + 2, nil
	case c == '@' || c == '*':
		return strings.Join(sh.args, " "), i + 2, nil
	case c == '!' || c == '-':
		return "", i + 2, nil
	case c >= '0' && c <= '9':
		return sh.positional(int(c - '0')), i + 2, nil
	case c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
		j := i + 1
		for j < len(w) && (w[j] == '_' || (w[j] >= 'a' && w[j] <= 'z') || (w[j] >= 'A' && w[j] <= 'Z') || (w[j] >= '0' && w[j] <= '9')) {
			j++
		}
		return sh.env[w[i+1:j]], j, nil
	}
	return "$", i + 1, nil
}

func (sh *Shell) positional(n int) string {
	if n == 0 {
		return sh.name
	}
	if n <= len(sh.args) {
		return sh.args[n-1]
	}
	return ""
}

// braced expands ${name}, ${#name}, ${name:-word}, ${name-word},
// ${name:=word} and ${name:+word}.
func (sh *Shell) braced(ctx context.Context, expr string) (string, error) {
	if strings.HasPrefix(expr, "#") && isName(expr[1:]) {
		return strconv.Itoa(len(sh.env[expr[1:]])), nil
	}
	name, op, word := expr, "", ""
	for k := 0; k < len(expr); k++ {
		if !isNameByte(expr[k], k > 0) {
			name, word = expr[:k], expr[k:]
			for _, o := range []string{":-", ":=", ":+", "-", "=", "+"} {
				if strings.HasPrefix(word, o) {
					op, word = o, word[len(o):]
					break
				}
			}
			if op == "" {
				return "", fmt.Errorf("${%s}: bad substitution", expr)
			}
			break
		}
	}
	var val string
	var set bool
	if n, err := strconv.Atoi(name); err == nil {
		val, set = sh.positional(n), n <= len(sh.args)
	} else if isName(name) {
		val, set = sh.env[name]
	} else {
		return "", fmt.Errorf("${%s}: bad substitution", expr)
	}
	empty := !set || (strings.HasPrefix(op, ":") && val == "")
	switch strings.TrimPrefix(op, ":") {
	case "-":
		if empty {
			return sh.expandString(ctx, word)
		}
	case "=":
		if empty {
			v, err := sh.expandString(ctx, word)
			if err == nil {
				sh.env[name] = v
			}
			return v, err
		}
	case "+":
		if !empty {
			return sh.expandString(ctx, word)
		}
		return "", nil
	}
	return val, nil
}

// substitute runs a command substitution in a child shell and returns its
// output without the trailing newlines.
func (sh *Shell) substitute(ctx context.Context, script string) (string, error) {
	if sh.depth >= sh.limits.MaxDepth {
		return "", errors.New("command substitutions nested too deeply")
	}
	child := sh.child()
	out := &cappedBuffer{max: int64(sh.limits.MaxWord)}
	child.runScript(ctx, script, stdio{in: emptyReader{}, out: out, err: sh.io.err})
	sh.status = child.status
	if out.over {
		return "", errTooLong
	}
	return strings.TrimRight(out.String(), "\n"), nil
}

// arithmetic evaluates $(( ... )) over 64-bit integers.
func (sh *Shell) arithmetic(ctx context.Context, expr string) (string, error) {
	f := &fields{max: sh.limits.MaxWord}
	if err := sh.expandDouble(ctx, expr, f); err != nil {
		return "", err
	}
	a := &arith{src: f.cur.String(), vars: sh.env}
	v, err := a.parse()
	if err != nil {
		return "", fmt.Errorf("arithmetic syntax error: %w", err)
	}
	return strconv.FormatInt(v, 10), nil
}

type arith struct {
	src   string
	pos   int
	vars  map[string]string
	depth int
}

// maxArithDepth bounds nested parentheses and unary operators.
const maxArithDepth = 64

func (a *arith) parse() (int64, error) {
	v, err := a.binary(0)
	if err != nil {
		return 0, err
	}
	a.skip()
	if a.pos < len(a.src) {
		return 0, fmt.Errorf("unexpected %q", a.src[a.pos:])
	}
	return v, nil
}

func (a *arith) skip() {
	for a.pos < len(a.src) && isBlank(a.src[a.pos]) {
		a.pos++
	}
}

// levels of binary operators, loosest first.
var arithLevels = [][]string{{"||"}, {"&&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/", "%"}}

func (a *arith) binary(level int) (int64, error) {
	if level == len(arithLevels) {
		return a.unary()
	}
	left, err := a.binary(level + 1)
	if err != nil {
		return 0, err
	}
	for {
		a.skip()
		op := ""
		for _, o := range arithLevels[level] {
			if strings.HasPrefix(a.src[a.pos:], o) {
				op = o
				break
			}
		}
		if op == "" {
			return left, nil
		}
		a.pos += len(op)
		right, err := a.binary(level + 1)
		if err != nil {
			return 0, err
		}
		switch op {
		case "||":
			left = b2i(left != 0 || right != 0)
		case "&&":
			left = b2i(left != 0 && right != 0)
		case "==":
			left = b2i(left == right)
		case "!=":
			left = b2i(left != right)
		case "<=":
			left = b2i(left <= right)
		case ">=":
			left = b2i(left >= right)
		case "<":
			left = b2i(left < right)
		case ">":
			left = b2i(left > right)
		case "+":
			left += right
		case "-":
			left -= right
		case "*":
			left *= right
		case "/", "%":
			if right == 0 {
				return 0, errors.New("division by zero")
			}
			if op == "/" {
				left /= right
			} else {
				left %= right
			}
		}
	}
}

func (a *arith) unary() (int64, error) {
	a.depth++
	defer func() { a.depth-- }()
	if a.depth > maxArithDepth {
		return 0, errors.New("expression nested too deeply")
	}
	a.skip()
	if a.pos >= len(a.src) {
		return 0, errors.New("missing operand")
	}
	switch a.src[a.pos] {
	case '-', '+', '!':
		op := a.src[a.pos]
		a.pos++
		v, err := a.unary()
		switch op {
		case '-':
			return -v, err
		case '!':
			return b2i(v == 0), err
		}
		return v, err
	case '(':
		a.pos++
		v, err := a.binary(0)
		if err != nil {
			return 0, err
		}
		a.skip()
		if a.pos >= len(a.src) || a.src[a.pos] != ')' {
			return 0, errors.New("missing )")
		}
		a.pos++
		return v, nil
	}
	start := a.pos
	for a.pos < len(a.src) && (a.src[a.pos] == '_' || (a.src[a.pos] >= 'a' && a.src[a.pos] <= 'z') || (a.src[a.pos] >= 'A' && a.src[a.pos] <= 'Z') || (a.src[a.pos] >= '0' && a.src[a.pos] <= '9')) {
		a.pos++
	}
	tok := a.src[start:a.pos]
	switch {
	case tok == "":
		return 0, fmt.Errorf("unexpected %q", a.src[a.pos:])
	case tok[0] >= '0' && tok[0] <= '9':
		return strconv.ParseInt(tok, 0, 64)
	default:
		v := strings.TrimSpace(a.vars[tok])
		if v == "" {
			return 0, nil
		}
		return strconv.ParseInt(v, 0, 64)
	}
}

// isNameByte reports whether c may be part of a variable name (a digit only
// after the first byte).
func isNameByte(c byte, notFirst bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (notFirst && c >= '0' && c <= '9')
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
