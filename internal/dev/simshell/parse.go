package simshell

import (
	"errors"
	"fmt"
	"strings"
)

// The grammar is a small part of the POSIX shell's: simple commands with
// assignments and redirections, pipelines (with !), && and ||, lists
// separated by ; & or newlines, and words with quotes, parameters,
// $((arithmetic)) and $(command substitution). Compound commands (if, for,
// while, case, functions) are not simulated.

type tokenKind int

const (
	tWord tokenKind = iota
	tOp
	tNewline
)

type token struct {
	kind tokenKind
	text string // the raw word, or the operator
}

var errUnterminated = errors.New("unexpected end of input (an unterminated quote or parenthesis)")

// lex splits a script into words and operators. Words keep their quotes;
// expansion removes them when the command runs.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			i += 2
		case c == '\n':
			toks = append(toks, token{kind: tNewline})
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "&&"), strings.HasPrefix(src[i:], "||"), strings.HasPrefix(src[i:], ">>"), strings.HasPrefix(src[i:], ">&"):
			toks = append(toks, token{kind: tOp, text: src[i : i+2]})
			i += 2
		case c == '|' || c == ';' || c == '&' || c == '>' || c == '<' || c == '(' || c == ')':
			toks = append(toks, token{kind: tOp, text: string(c)})
			i++
		case (c >= '0' && c <= '9') && i+1 < len(src) && (src[i+1] == '>' || src[i+1] == '<') && (i == 0 || isBlank(src[i-1])):
			// An IO number: 2>file, 2>>file, 2>&1.
			op := src[i : i+2]
			j := i + 2
			if j < len(src) && (src[j] == '>' || src[j] == '&') && src[i+1] == '>' {
				op += string(src[j])
				j++
			}
			toks = append(toks, token{kind: tOp, text: op})
			i = j
		default:
			end, err := scanWord(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tWord, text: src[i:end]})
			i = end
		}
	}
	return toks, nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isOpChar(c byte) bool {
	return c == '|' || c == ';' || c == '&' || c == '>' || c == '<' || c == '(' || c == ')'
}

// scanWord returns the end of the word that starts at i.
func scanWord(src string, i int) (int, error) {
	for i < len(src) {
		c := src[i]
		switch {
		case isBlank(c) || isOpChar(c):
			return i, nil
		case c == '\\':
			i += 2
		case c == '\'':
			j := strings.IndexByte(src[i+1:], '\'')
			if j < 0 {
				return 0, errUnterminated
			}
			i += j + 2
		case c == '"':
			end, err := scanDouble(src, i+1)
			if err != nil {
				return 0, err
			}
			i = end
		case c == '$':
			end, err := scanDollar(src, i)
			if err != nil {
				return 0, err
			}
			i = end
		default:
			i++
		}
	}
	if i > len(src) {
		return 0, errUnterminated
	}
	return i, nil
}

// scanDouble returns the index after the closing quote of a double-quoted
// string whose content starts at i.
func scanDouble(src string, i int) (int, error) {
	for i < len(src) {
		switch src[i] {
		case '\\':
			i += 2
		case '"':
			return i + 1, nil
		case '$':
			end, err := scanDollar(src, i)
			if err != nil {
				return 0, err
			}
			i = end
		default:
			i++
		}
	}
	return 0, errUnterminated
}

// scanDollar returns the end of a $ expansion at i: $( ... ), $(( ... )),
// ${ ... } or a plain $name.
func scanDollar(src string, i int) (int, error) {
	if i+1 >= len(src) {
		return i + 1, nil
	}
	switch src[i+1] {
	case '(':
		return scanParens(src, i+2)
	case '{':
		j := strings.IndexByte(src[i+2:], '}')
		if j < 0 {
			return 0, errUnterminated
		}
		return i + 2 + j + 1, nil
	}
	return i + 1, nil
}

// scanParens returns the index after the parenthesis that closes the one
// just before i, skipping quotes and nested parentheses.
func scanParens(src string, i int) (int, error) {
	depth := 1
	for i < len(src) {
		switch src[i] {
		case '\\':
			i += 2
			continue
		case '\'':
			j := strings.IndexByte(src[i+1:], '\'')
			if j < 0 {
				return 0, errUnterminated
			}
			i += j + 2
			continue
		case '"':
			end, err := scanDouble(src, i+1)
			if err != nil {
				return 0, err
			}
			i = end
			continue
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
		i++
	}
	return 0, errUnterminated
}

// A script is and-or lists run one after the other.
type script []andOr

// An andOr is pipelines joined by && and ||; ops[i] joins pipelines i and i+1.
type andOr struct {
	pipes []pipeline
	ops   []string
}

type pipeline struct {
	negate bool
	cmds   []command
}

type command struct {
	assigns []string
	words   []string
	redirs  []redir
}

type redir struct {
	fd     int    // 0, 1 or 2
	op     string // <, >, >>, >&
	target string // a word, or the fd for >&
}

type parser struct {
	toks []token
	pos  int
}

// parse reads a whole script.
func parse(src string) (script, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	var l script
	for {
		p.skipSeparators()
		if p.pos >= len(p.toks) {
			return l, nil
		}
		ao, err := p.andOr()
		if err != nil {
			return nil, err
		}
		l = append(l, ao)
		if p.pos < len(p.toks) && !p.isSeparator() {
			return nil, fmt.Errorf("syntax error near unexpected token %q", p.toks[p.pos].text)
		}
	}
}

func (p *parser) isSeparator() bool {
	t := p.toks[p.pos]
	return t.kind == tNewline || (t.kind == tOp && (t.text == ";" || t.text == "&"))
}

func (p *parser) skipSeparators() {
	for p.pos < len(p.toks) && p.isSeparator() {
		p.pos++
	}
}

func (p *parser) skipNewlines() {
	for p.pos < len(p.toks) && p.toks[p.pos].kind == tNewline {
		p.pos++
	}
}

func (p *parser) andOr() (andOr, error) {
	var ao andOr
	for {
		pl, err := p.pipeline()
		if err != nil {
			return ao, err
		}
		ao.pipes = append(ao.pipes, pl)
		if p.pos < len(p.toks) && p.toks[p.pos].kind == tOp && (p.toks[p.pos].text == "&&" || p.toks[p.pos].text == "||") {
			ao.ops = append(ao.ops, p.toks[p.pos].text)
			p.pos++
			p.skipNewlines()
			continue
		}
		return ao, nil
	}
}

func (p *parser) pipeline() (pipeline, error) {
	var pl pipeline
	if p.pos < len(p.toks) && p.toks[p.pos].kind == tWord && p.toks[p.pos].text == "!" {
		pl.negate = true
		p.pos++
	}
	for {
		cmd, err := p.command()
		if err != nil {
			return pl, err
		}
		pl.cmds = append(pl.cmds, cmd)
		if p.pos < len(p.toks) && p.toks[p.pos].kind == tOp && p.toks[p.pos].text == "|" {
			p.pos++
			p.skipNewlines()
			continue
		}
		return pl, nil
	}
}

// unsupported are the reserved words of compound commands.
var unsupported = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "for": true, "while": true, "until": true,
	"do": true, "done": true, "case": true, "esac": true, "function": true, "{": true, "}": true,
}

func (p *parser) command() (command, error) {
	var cmd command
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if t.kind == tNewline || (t.kind == tOp && (t.text == ";" || t.text == "&" || t.text == "|" || t.text == "&&" || t.text == "||")) {
			break
		}
		if t.kind == tOp {
			if t.text == "(" || t.text == ")" {
				return cmd, fmt.Errorf("syntax error near unexpected token %q (subshells are not simulated)", t.text)
			}
			r, err := p.redirection()
			if err != nil {
				return cmd, err
			}
			cmd.redirs = append(cmd.redirs, r)
			continue
		}
		if len(cmd.words) == 0 && unsupported[t.text] {
			return cmd, fmt.Errorf("%s: compound commands are not simulated (the simulated shell runs simple commands, pipelines, && and ||)", t.text)
		}
		if len(cmd.words) == 0 && isAssignment(t.text) {
			cmd.assigns = append(cmd.assigns, t.text)
		} else {
			cmd.words = append(cmd.words, t.text)
		}
		p.pos++
	}
	if len(cmd.words) == 0 && len(cmd.assigns) == 0 && len(cmd.redirs) == 0 {
		if p.pos < len(p.toks) {
			return cmd, fmt.Errorf("syntax error near unexpected token %q", p.toks[p.pos].text)
		}
		return cmd, errors.New("syntax error: unexpected end of input")
	}
	return cmd, nil
}

func (p *parser) redirection() (redir, error) {
	op := p.toks[p.pos].text
	p.pos++
	r := redir{fd: 1}
	if op[0] >= '0' && op[0] <= '9' {
		r.fd = int(op[0] - '0')
		op = op[1:]
	} else if op == "<" {
		r.fd = 0
	}
	if r.fd > 2 {
		return r, fmt.Errorf("%d: bad file descriptor", r.fd)
	}
	r.op = op
	if op == ">" && p.pos < len(p.toks) && p.toks[p.pos].kind == tOp && p.toks[p.pos].text == "&" {
		// "2>" followed by "&1" lexed as separate tokens.
		r.op = ">&"
		p.pos++
	}
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tWord {
		return r, errors.New("syntax error: a redirection needs a file name")
	}
	r.target = p.toks[p.pos].text
	p.pos++
	if r.op == ">&" && r.target != "1" && r.target != "2" {
		return r, fmt.Errorf("%s: bad file descriptor", r.target)
	}
	return r, nil
}

func isAssignment(w string) bool {
	eq := strings.IndexByte(w, '=')
	return eq > 0 && isName(w[:eq])
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
