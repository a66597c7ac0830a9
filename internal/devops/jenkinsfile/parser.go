package jenkinsfile

import "fmt"

// The declarative subset is a tree of statements, each a command with
// arguments and an optional closure:
//
//	name                      (agent none has a name argument)
//	name value, key: value    (sh 'x', branch pattern: 'x')
//	name(args) { closure }    (stage('x') { ... }, timeout(time: 5) { ... })
//	name { closure }          (steps { ... })
//	NAME = value              (in environment)
//
// A closure's statements are parsed only when the section it belongs to is
// read, so that blocks whose contents are ignored (an agent's kubernetes
// block) or given another grammar (when's expression) can hold anything the
// tokenizer accepts.

// maxDepth bounds nesting of closures and lists.
const maxDepth = 64

// valKind is the kind of an argument value.
type valKind int

const (
	vString valKind = iota
	vNumber
	vBool
	vNull
	vName // a (dotted) name: any, scm, params.X
	vCall // name(args): credentials('id'), string(name: 'x')
	vList
	vMap
)

type value struct {
	Kind  valKind
	Pos   pos
	Parts []part // vString
	Quote string // vString
	Text  string // vNumber, vName, vCall (the name)
	Bool  bool
	Args  []arg    // vCall, vMap
	List  []*value // vList
}

// arg is a positional (Name "") or named argument.
type arg struct {
	Name string
	Pos  pos
	Val  *value
}

// closure is the tokens between a { and its }.
type closure struct {
	Pos  pos // of the {
	Toks []token
	End  pos // of the }
}

// stmt is one statement of a closure.
type stmt struct {
	Pos    pos
	Name   string
	Parens bool // the arguments were in parentheses
	Args   []arg
	Body   *closure
	Assign *value // NAME = value
}

// groovyKeywords start statements of scripted Groovy.
var groovyKeywords = map[string]bool{
	"def": true, "if": true, "else": true, "for": true, "while": true, "do": true,
	"try": true, "catch": true, "finally": true, "return": true, "switch": true,
	"import": true, "class": true, "throw": true, "new": true, "package": true,
}

// parser reads statements from a token list that ends with tEOF.
type parser struct {
	toks   []token
	i      int
	values int // of values being read (lists in lists)
}

func newParser(toks []token, end pos) *parser {
	t := make([]token, len(toks), len(toks)+1)
	copy(t, toks)
	t = append(t, token{Kind: tEOF, Pos: end})
	return &parser{toks: t}
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.Kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.Kind == tPunct && t.Text == s
}

func (p *parser) skipNewlines() {
	for p.peek().Kind == tNewline || p.isPunct(";") {
		p.advance()
	}
}

func errAt(at pos, format string, args ...any) *Error {
	return &Error{Line: at.Line, Column: at.Col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) unexpected(want string) *Error {
	t := p.peek()
	if t.Kind == tPunct {
		switch t.Text {
		case "+", "-", "*", "/", "%", "?", "!", "&", "|", "<", ">", "==", "!=", "<=", ">=", "=~":
			return errAt(t.Pos, "unexpected %s: expressions are not supported (only the declarative subset is)", t.describe())
		}
	}
	return errAt(t.Pos, "unexpected %s, expected %s", t.describe(), want)
}

func (p *parser) expect(s string) (token, error) {
	if !p.isPunct(s) {
		return token{}, p.unexpected(fmt.Sprintf("%q", s))
	}
	return p.advance(), nil
}

// parseClosure parses the statements of c.
func parseClosure(c *closure, depth int) ([]*stmt, error) {
	if depth > maxDepth {
		return nil, errAt(c.Pos, "blocks are nested too deeply")
	}
	return newParser(c.Toks, c.End).statements()
}

func (p *parser) statements() ([]*stmt, error) {
	var out []*stmt
	for {
		p.skipNewlines()
		if p.peek().Kind == tEOF {
			return out, nil
		}
		s, err := p.statement()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		switch t := p.peek(); {
		case t.Kind == tNewline, t.Kind == tEOF, t.Kind == tPunct && t.Text == ";":
		default:
			return nil, p.unexpected("the end of the statement")
		}
	}
}

func (p *parser) statement() (*stmt, error) {
	t := p.peek()
	if t.Kind != tIdent {
		if t.Kind == tPunct && t.Text == "@" {
			return nil, errAt(t.Pos, "annotations such as @Library are not supported (shared libraries cannot be imported)")
		}
		return nil, p.unexpected("a statement")
	}
	if groovyKeywords[t.Text] {
		return nil, errAt(t.Pos, "Groovy %q statements are not supported (only the declarative subset is)", t.Text)
	}
	p.advance()
	s := &stmt{Pos: t.Pos, Name: t.Text}
	for p.isPunct(".") {
		p.advance()
		n := p.peek()
		if n.Kind != tIdent {
			return nil, p.unexpected("a name after \".\"")
		}
		p.advance()
		s.Name += "." + n.Text
	}
	switch {
	case p.isPunct("="):
		p.advance()
		p.skipNewlines()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		s.Assign = v
		return s, nil
	case p.isPunct("("):
		p.advance()
		args, err := p.args(")")
		if err != nil {
			return nil, err
		}
		s.Parens, s.Args = true, args
	case p.isPunct("{"):
	default:
		if k := p.peek().Kind; k != tNewline && k != tEOF && !p.isPunct(";") && !p.isPunct("}") {
			args, err := p.commandArgs()
			if err != nil {
				return nil, err
			}
			s.Args = args
		}
	}
	// A closure may follow, on the same line or (for blocks) the next.
	save := p.i
	if s.Args == nil || s.Parens {
		for p.peek().Kind == tNewline {
			p.advance()
		}
	}
	if p.isPunct("{") {
		c, err := p.closure()
		if err != nil {
			return nil, err
		}
		s.Body = c
	} else {
		p.i = save
	}
	return s, nil
}

// closure reads a { ... } and returns its tokens.
func (p *parser) closure() (*closure, error) {
	open := p.advance()
	depth := 0
	start := p.i
	for {
		t := p.peek()
		switch {
		case t.Kind == tEOF:
			return nil, errAt(open.Pos, "unclosed \"{\" (no matching \"}\")")
		case t.Kind == tPunct && t.Text == "{":
			depth++
		case t.Kind == tPunct && t.Text == "}":
			if depth == 0 {
				c := &closure{Pos: open.Pos, Toks: p.toks[start:p.i], End: t.Pos}
				p.advance()
				return c, nil
			}
			depth--
		}
		p.advance()
	}
}

// commandArgs reads the arguments of a call without parentheses, up to the
// end of the line (a comma continues it).
func (p *parser) commandArgs() ([]arg, error) {
	var out []arg
	for {
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
		if !p.isPunct(",") {
			return out, nil
		}
		p.advance()
		for p.peek().Kind == tNewline {
			p.advance()
		}
	}
}

// args reads arguments up to the closing bracket.
func (p *parser) args(closing string) ([]arg, error) {
	out := []arg{}
	for {
		p.skipNewlines()
		if p.isPunct(closing) {
			p.advance()
			return out, nil
		}
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
		p.skipNewlines()
		if p.isPunct(",") {
			p.advance()
			continue
		}
		if !p.isPunct(closing) {
			return nil, p.unexpected(fmt.Sprintf("%q or %q", ",", closing))
		}
	}
}

// arg reads "value" or "name: value".
func (p *parser) arg() (arg, error) {
	t := p.peek()
	if (t.Kind == tIdent || t.Kind == tString) && p.toks[p.i+1].Kind == tPunct && p.toks[p.i+1].Text == ":" {
		name := t.Text
		if t.Kind == tString {
			if len(t.Parts) > 1 || len(t.Parts) == 1 && t.Parts[0].Interp {
				return arg{}, errAt(t.Pos, "an argument name cannot be an interpolated string")
			}
			name = ""
			if len(t.Parts) == 1 {
				name = t.Parts[0].Text
			}
		}
		p.advance()
		p.advance()
		p.skipNewlines()
		v, err := p.value()
		if err != nil {
			return arg{}, err
		}
		return arg{Name: name, Pos: t.Pos, Val: v}, nil
	}
	v, err := p.value()
	if err != nil {
		return arg{}, err
	}
	return arg{Pos: v.Pos, Val: v}, nil
}

func (p *parser) value() (*value, error) {
	p.values++
	defer func() { p.values-- }()
	t := p.peek()
	if p.values > maxDepth {
		return nil, errAt(t.Pos, "values are nested too deeply")
	}
	switch t.Kind {
	case tString:
		p.advance()
		return &value{Kind: vString, Pos: t.Pos, Parts: t.Parts, Quote: t.Text}, nil
	case tNumber:
		p.advance()
		return &value{Kind: vNumber, Pos: t.Pos, Text: t.Text}, nil
	case tIdent:
		p.advance()
		switch t.Text {
		case "true", "false":
			return &value{Kind: vBool, Pos: t.Pos, Bool: t.Text == "true"}, nil
		case "null":
			return &value{Kind: vNull, Pos: t.Pos}, nil
		}
		v := &value{Kind: vName, Pos: t.Pos, Text: t.Text}
		for p.isPunct(".") {
			p.advance()
			n := p.peek()
			if n.Kind != tIdent {
				return nil, p.unexpected("a name after \".\"")
			}
			p.advance()
			v.Text += "." + n.Text
		}
		if p.isPunct("(") {
			p.advance()
			args, err := p.args(")")
			if err != nil {
				return nil, err
			}
			v.Kind, v.Args = vCall, args
		}
		return v, nil
	case tPunct:
		switch t.Text {
		case "[":
			return p.listOrMap()
		case "-":
			p.advance()
			n := p.peek()
			if n.Kind != tNumber {
				return nil, p.unexpected("a number after \"-\"")
			}
			p.advance()
			return &value{Kind: vNumber, Pos: t.Pos, Text: "-" + n.Text}, nil
		case "{":
			return nil, errAt(t.Pos, "a closure is not supported as a value (scripted syntax)")
		}
	}
	return nil, p.unexpected("a value")
}

// listOrMap reads [a, b], [k: v] or [:].
func (p *parser) listOrMap() (*value, error) {
	open := p.advance()
	p.skipNewlines()
	if p.isPunct(":") {
		p.advance()
		p.skipNewlines()
		if _, err := p.expect("]"); err != nil {
			return nil, err
		}
		return &value{Kind: vMap, Pos: open.Pos}, nil
	}
	args, err := p.args("]")
	if err != nil {
		return nil, err
	}
	named := 0
	for _, a := range args {
		if a.Name != "" {
			named++
		}
	}
	switch named {
	case 0:
		v := &value{Kind: vList, Pos: open.Pos}
		for _, a := range args {
			v.List = append(v.List, a.Val)
		}
		return v, nil
	case len(args):
		return &value{Kind: vMap, Pos: open.Pos, Args: args}, nil
	}
	return nil, errAt(open.Pos, "a list cannot mix values and key: value entries")
}
