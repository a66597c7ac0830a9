package jenkinsfile

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind int

const (
	tEOF     tokKind = iota
	tNewline         // a line end outside brackets (statements end there)
	tIdent           // a name: pipeline, sh, params
	tString          // a string literal of any quoting
	tNumber          // an integer or decimal literal
	tPunct           // { } ( ) [ ] , : = . ; and any other operator
)

// pos is a place in the source: 1-based line and column (in characters).
type pos struct {
	Line, Col int
}

// part is a piece of a string literal: literal text, or (in double-quoted
// strings) an interpolated Groovy expression.
type part struct {
	Text   string // the literal text, or the expression's source
	Interp bool   // Text is an interpolated expression
	Pos    pos
}

type token struct {
	Kind tokKind
	Pos  pos
	// Text is the name, number, punctuation, or for strings the quote used.
	Text string
	// Parts are a string's pieces.
	Parts []part
}

// describe names a token in messages.
func (t token) describe() string {
	switch t.Kind {
	case tEOF:
		return "the end of the file"
	case tNewline:
		return "a line end"
	case tString:
		return "a string"
	default:
		return strconv.Quote(t.Text)
	}
}

// lexer splits a Jenkinsfile into tokens.
type lexer struct {
	src  string
	off  int
	line int
	col  int
	toks []token
}

func (l *lexer) errorf(p pos, format string, args ...any) *Error {
	return &Error{Line: p.Line, Column: p.Col, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) here() pos { return pos{l.line, l.col} }

// peek returns the character n characters (bytes, for ASCII) ahead.
func (l *lexer) peekByte(n int) byte {
	if l.off+n < len(l.src) {
		return l.src[l.off+n]
	}
	return 0
}

// next consumes one character.
func (l *lexer) next() rune {
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += size
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func (l *lexer) emit(kind tokKind, p pos, text string) {
	l.toks = append(l.toks, token{Kind: kind, Pos: p, Text: text})
}

func isIdentStart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r)
}

// lex tokenizes src.
func lex(src string) ([]token, error) {
	if !utf8.ValidString(src) {
		return nil, &Error{Line: 1, Column: 1, Msg: "the Jenkinsfile is not valid UTF-8"}
	}
	l := &lexer{src: src, line: 1, col: 1}
	// A shebang line is a comment.
	if strings.HasPrefix(src, "#!") {
		for l.off < len(l.src) && l.src[l.off] != '\n' {
			l.next()
		}
	}
	depth := 0 // of ( and [: line ends inside them do not end statements
	var stack []byte
	for l.off < len(l.src) {
		p := l.here()
		c := l.src[l.off]
		switch {
		case c == '\n':
			l.next()
			if depth == 0 {
				l.emit(tNewline, p, "\n")
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			l.next()
		case c == '\\' && (l.peekByte(1) == '\n' || (l.peekByte(1) == '\r' && l.peekByte(2) == '\n')):
			// A line continuation.
			l.next()
			for l.src[l.off] != '\n' {
				l.next()
			}
			l.next()
		case c == '/' && l.peekByte(1) == '/':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.next()
			}
		case c == '/' && l.peekByte(1) == '*':
			l.next()
			l.next()
			end := strings.Index(l.src[l.off:], "*/")
			if end < 0 {
				return nil, l.errorf(p, "unterminated comment (/* without */)")
			}
			for stop := l.off + end + 2; l.off < stop; {
				l.next()
			}
		case c == '\'' || c == '"':
			if err := l.lexString(p); err != nil {
				return nil, err
			}
		case c >= '0' && c <= '9':
			start := l.off
			for l.off < len(l.src) && (isDigit(l.src[l.off]) || (l.src[l.off] == '.' && isDigit(l.peekByte(1)))) {
				l.next()
			}
			l.emit(tNumber, p, l.src[start:l.off])
		default:
			r, _ := utf8.DecodeRuneInString(l.src[l.off:])
			if isIdentStart(r) {
				start := l.off
				for l.off < len(l.src) {
					r, _ := utf8.DecodeRuneInString(l.src[l.off:])
					if !isIdentPart(r) {
						break
					}
					l.next()
				}
				l.emit(tIdent, p, l.src[start:l.off])
				continue
			}
			l.next()
			text := string(r)
			switch r {
			case '(', '[':
				depth++
				stack = append(stack, byte(r))
			case ')', ']':
				if n := len(stack); n > 0 && stack[n-1] != '{' {
					depth--
					stack = stack[:n-1]
				}
			case '{':
				// A closure inside brackets has statements of its own.
				stack = append(stack, '{')
				depth = 0
			case '}':
				if n := len(stack); n > 0 && stack[n-1] == '{' {
					stack = stack[:n-1]
				}
				depth = 0
				for i := len(stack) - 1; i >= 0 && stack[i] != '{'; i-- {
					depth++
				}
			case '=', '!', '<', '>':
				if l.peekByte(0) == '=' {
					l.next()
					text += "="
				}
			}
			l.emit(tPunct, p, text)
		}
	}
	l.emit(tEOF, l.here(), "")
	return l.toks, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lexString reads a string literal in any of the four quotings.
func (l *lexer) lexString(p pos) error {
	q := l.src[l.off]
	triple := l.peekByte(1) == q && l.peekByte(2) == q
	quote := string(q)
	if triple {
		quote = strings.Repeat(quote, 3)
	}
	for range len(quote) {
		l.next()
	}
	interp := q == '"'
	var parts []part
	var sb strings.Builder
	litPos := l.here()
	flush := func() {
		if sb.Len() > 0 {
			parts = append(parts, part{Text: sb.String(), Pos: litPos})
			sb.Reset()
		}
	}
	for {
		if l.off >= len(l.src) {
			return l.errorf(p, "unterminated string (%s without its closing %s)", quote, quote)
		}
		if strings.HasPrefix(l.src[l.off:], quote) {
			for range len(quote) {
				l.next()
			}
			break
		}
		c := l.src[l.off]
		switch {
		case c == '\n' && !triple:
			return l.errorf(p, "unterminated string (%s without its closing %s on the same line; use %s%s%s for several lines)", quote, quote, quote, quote, quote)
		case c == '\\':
			ep := l.here()
			l.next()
			if l.off >= len(l.src) {
				return l.errorf(p, "unterminated string (%s without its closing %s)", quote, quote)
			}
			e := l.next()
			switch e {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			case 'r':
				sb.WriteByte('\r')
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case '\\', '\'', '"', '$', '/':
				sb.WriteRune(e)
			case '\n':
				// A line continuation: nothing.
			case 'u':
				if l.off+4 > len(l.src) {
					return l.errorf(ep, `bad escape \u (four hexadecimal digits must follow)`)
				}
				var v rune
				for _, h := range []byte(l.src[l.off : l.off+4]) {
					d := hexValue(h)
					if d < 0 {
						return l.errorf(ep, `bad escape \u (four hexadecimal digits must follow)`)
					}
					v = v<<4 | d
				}
				for range 4 {
					l.next()
				}
				sb.WriteRune(v)
			default:
				return l.errorf(ep, "unknown escape \\%c in a string", e)
			}
		case c == '$' && interp:
			ep := l.here()
			l.next()
			switch {
			case l.off < len(l.src) && l.src[l.off] == '{':
				l.next()
				start := l.off
				end := strings.IndexAny(l.src[l.off:], "}\n\"'{")
				if end < 0 || l.src[l.off+end] != '}' {
					return l.errorf(ep, "unsupported ${...} in a string: only ${NAME}, ${env.NAME} and ${params.NAME} are supported")
				}
				for stop := start + end; l.off < stop; {
					l.next()
				}
				l.next()
				flush()
				parts = append(parts, part{Text: strings.TrimSpace(l.src[start : start+end]), Interp: true, Pos: ep})
			default:
				r, _ := utf8.DecodeRuneInString(l.src[l.off:])
				if l.off >= len(l.src) || !isIdentStart(r) || r == '$' {
					return l.errorf(ep, `a "$" in a double-quoted string must start ${...} or a name; write \$ for a "$" itself`)
				}
				start := l.off
				for l.off < len(l.src) {
					r, _ := utf8.DecodeRuneInString(l.src[l.off:])
					if isIdentPart(r) && r != '$' || (r == '.' && l.off+1 < len(l.src) && isIdentStartByte(l.src[l.off+1])) {
						l.next()
						continue
					}
					break
				}
				flush()
				parts = append(parts, part{Text: l.src[start:l.off], Interp: true, Pos: ep})
			}
			litPos = l.here()
		default:
			if sb.Len() == 0 {
				litPos = l.here()
			}
			sb.WriteRune(l.next())
		}
	}
	flush()
	l.toks = append(l.toks, token{Kind: tString, Pos: p, Text: quote, Parts: parts})
	return nil
}

func isIdentStartByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// hexValue is the value of a hexadecimal digit, or -1.
func hexValue(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}
