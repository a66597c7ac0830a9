package rules

import (
	"text/template/parse"
)

// queryFunc is the function of Prometheus' alert templates that runs a
// PromQL query when the alert's labels and annotations are rendered. The
// query is Prometheus' own, not the rule's: no namespace confinement
// applies to it.
const queryFunc = "query"

// usesQuery says whether a template calls the query function anywhere (in
// its body or in a template it defines). A template that does not parse
// says no: Render reports it.
func usesQuery(text string) bool {
	if text == "" {
		return false
	}
	t := parse.New("check")
	t.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := t.Parse(text, "{{", "}}", trees); err != nil {
		return false
	}
	for _, tree := range trees {
		if tree != nil && callsQuery(tree.Root) {
			return true
		}
	}
	return false
}

// callsQuery walks a template's parse tree for the identifier query.
func callsQuery(n parse.Node) bool {
	switch n := n.(type) {
	case nil:
		return false
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if callsQuery(c) {
				return true
			}
		}
	case *parse.ActionNode:
		return callsQuery(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return false
		}
		for _, c := range n.Cmds {
			if callsQuery(c) {
				return true
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if callsQuery(a) {
				return true
			}
		}
	case *parse.IdentifierNode:
		return n.Ident == queryFunc
	case *parse.ChainNode:
		return callsQuery(n.Node)
	case *parse.IfNode:
		return callsQuery(n.Pipe) || callsQuery(n.List) || callsQuery(n.ElseList)
	case *parse.RangeNode:
		return callsQuery(n.Pipe) || callsQuery(n.List) || callsQuery(n.ElseList)
	case *parse.WithNode:
		return callsQuery(n.Pipe) || callsQuery(n.List) || callsQuery(n.ElseList)
	case *parse.TemplateNode:
		return callsQuery(n.Pipe)
	}
	return false
}
