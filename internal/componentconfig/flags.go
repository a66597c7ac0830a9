package componentconfig

import (
	"time"

	"github.com/spf13/pflag"
)

// Overrides binds flags to fields of a configuration of type T, so that
// the flags that were set on the command line (and only those) override
// what the file or the defaults say. Each flag's default, shown by --help,
// is the field's default.
type Overrides[T any] struct {
	fs     *pflag.FlagSet
	values T
	fields []override[T]
}

// override copies one flag's value into a configuration.
type override[T any] struct {
	name  string
	apply func(*T)
}

// NewOverrides returns overrides that register their flags on fs, with the
// defaults as the flags' defaults.
func NewOverrides[T any](fs *pflag.FlagSet, defaults T) *Overrides[T] {
	return &Overrides[T]{fs: fs, values: defaults}
}

// Apply copies into cfg the value of every bound flag that was set; nil
// overrides (no flags were registered) change nothing.
func (o *Overrides[T]) Apply(cfg *T) {
	if o == nil {
		return
	}
	for _, f := range o.fields {
		if o.fs.Changed(f.name) {
			f.apply(cfg)
		}
	}
}

// Changed tells whether the flag was set on the command line (never, for
// nil overrides).
func (o *Overrides[T]) Changed(name string) bool { return o != nil && o.fs.Changed(name) }

// bind registers the flag with define (a pflag *Var method) on the field
// that field selects.
func bind[T, V any](o *Overrides[T], define func(p *V, name string, value V, usage string), name string, field func(*T) *V, usage string) {
	p := field(&o.values)
	define(p, name, *p, usage)
	o.fields = append(o.fields, override[T]{name: name, apply: func(cfg *T) { *field(cfg) = *p }})
}

// String binds a string flag to a field.
func (o *Overrides[T]) String(name string, field func(*T) *string, usage string) {
	bind(o, o.fs.StringVar, name, field, usage)
}

// Bool binds a boolean flag to a field.
func (o *Overrides[T]) Bool(name string, field func(*T) *bool, usage string) {
	bind(o, o.fs.BoolVar, name, field, usage)
}

// Int binds an integer flag to a field.
func (o *Overrides[T]) Int(name string, field func(*T) *int, usage string) {
	bind(o, o.fs.IntVar, name, field, usage)
}

// Float32 binds a float32 flag to a field.
func (o *Overrides[T]) Float32(name string, field func(*T) *float32, usage string) {
	bind(o, o.fs.Float32Var, name, field, usage)
}

// Duration binds a duration flag to a field.
func (o *Overrides[T]) Duration(name string, field func(*T) *time.Duration, usage string) {
	bind(o, o.fs.DurationVar, name, field, usage)
}

// StringSlice binds a comma-separated list flag to a field.
func (o *Overrides[T]) StringSlice(name string, field func(*T) *[]string, usage string) {
	bind(o, o.fs.StringSliceVar, name, field, usage)
}
