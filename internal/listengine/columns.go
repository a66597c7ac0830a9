package listengine

import (
	"fmt"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Column is one value the engine derives of every object of a kind when
// the object arrives, declared once: its name, whether it is a number or
// text, whether queries sort and filter by it, and how it is computed.
// The column named "status" is the state the common status filter
// matches and that list answers show as derived.status.
type Column struct {
	Name string
	// Numeric columns hold numbers and sort as numbers; the others hold
	// text and sort as text.
	Numeric bool
	// Sortable columns are values of sortBy and are shown, with the value
	// sorted on, in derived.columns.
	Sortable bool
	// Filter names the filter parameter that matches this column; empty
	// when it is none.
	Filter string
	// Value computes the column of an object. It is nil for a column kept
	// by the engine itself (a Selection's count).
	Value func(obj client.Object) Value
	// Match, when set, decides the filter; without it the column's text
	// must equal the parameter, ignoring case.
	Match func(v Value, param string) bool
	// Compile, when set, decides the filter instead of Match: it reads the
	// parameter once per query into the test of a value, and refuses a
	// parameter it cannot read with an error naming the parameter (an API
	// Status, answered as it is).
	Compile func(param string) (func(v Value) bool, error)
}

// Value is a column's value: Num for numeric columns, Text for the others.
type Value struct {
	Num  int64
	Text string
}

// textColumn declares a text column computed from objects of type T.
func textColumn[T client.Object](name string, f func(T) string) Column {
	return Column{Name: name, Value: func(o client.Object) Value { return Value{Text: f(o.(T))} }}
}

// numberColumn declares a numeric column computed from objects of type T.
func numberColumn[T client.Object](name string, f func(T) int64) Column {
	return Column{Name: name, Numeric: true, Value: func(o client.Object) Value { return Value{Num: f(o.(T))} }}
}

// sorted makes the column a sort column.
func (c Column) sorted() Column {
	c.Sortable = true
	return c
}

// filtered makes the column a filter parameter of its own name.
func (c Column) filtered() Column { return c.filteredAs(c.Name) }

// filteredAs makes the column the filter parameter param.
func (c Column) filteredAs(param string) Column {
	c.Filter = param
	return c
}

// matchedBy decides the column's filter with match.
func (c Column) matchedBy(match func(v Value, param string) bool) Column {
	c.Match = match
	return c
}

// compiledBy decides the column's filter with a test made once per query.
func (c Column) compiledBy(compile func(param string) (func(v Value) bool, error)) Column {
	c.Compile = compile
	return c
}

// matches applies the column's filter to a value.
func (c *Column) matches(v Value, param string) bool {
	if c.Match != nil {
		return c.Match(v, param)
	}
	return strings.EqualFold(v.Text, param)
}

// exactly matches a text filter to the letter.
func exactly(v Value, param string) bool { return v.Text == param }

// commonFilters are the filters of every kind, from what every row has.
var commonFilters = []string{"status", "ownerReference", "ownerKind"}

// statusColumn names the column of the status filter.
const statusColumn = "status"

// index makes the lookups of the kind's columns; newStore calls it.
func (k *Kind) index() {
	if k.columns != nil {
		return
	}
	if len(k.Columns) > MaxColumns {
		panic(fmt.Sprintf("listengine: %s declares %d columns, more than %d", k.Resource, len(k.Columns), MaxColumns))
	}
	k.columns, k.filters, k.status = map[string]int{}, map[string]int{}, -1
	for i, c := range k.Columns {
		k.columns[c.Name] = i
		if c.Filter != "" {
			k.filters[c.Filter] = i
		}
		if c.Name == statusColumn {
			k.status = i
		}
	}
}

// column returns the position of a column.
func (k *Kind) column(name string) (int, bool) {
	i, ok := k.columns[name]
	return i, ok
}

// SortColumns are the kind's sort columns besides name and createTime,
// in the order declared.
func (k *Kind) SortColumns() []string {
	var out []string
	for _, c := range k.Columns {
		if c.Sortable {
			out = append(out, c.Name)
		}
	}
	return out
}

// FilterNames are every filter parameter the kind takes: the common ones,
// then the kind's columns', in the order declared.
func (k *Kind) FilterNames() []string {
	out := append([]string(nil), commonFilters...)
	for _, c := range k.Columns {
		if c.Filter != "" {
			out = append(out, c.Filter)
		}
	}
	return out
}

// FieldSelectors are the fields a kind's fieldSelector may name, besides
// metadata.name and metadata.namespace, in the order declared.
func FieldSelectors(k *Kind) []string {
	out := make([]string, 0, len(k.Fields))
	for _, f := range k.Fields {
		out = append(out, f.Name)
	}
	return out
}

// Field is a field a fieldSelector may name, read from the object when a
// query runs.
type Field struct {
	Name  string
	Value func(obj client.Object) string
}
