package componentconfig

import (
	"errors"
	"fmt"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// File describes one kind of versioned configuration file: the apiVersion
// and kind it must declare, and its defaults.
type File[T any] struct {
	APIVersion string
	Kind       string
	// Default returns the configuration used without a file; a file's
	// fields are read over it.
	Default func() T
}

// Load returns the configuration in the file at path, read over the
// defaults (the defaults alone when path is empty). The file must declare
// the File's apiVersion and kind; an unknown or repeated field is an error
// naming the field, and every error names the file.
func (f File[T]) Load(path string) (T, error) {
	cfg := f.Default()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("reading the configuration file: %w", err)
	}
	// The type comes first: the fields of another kind or version are not
	// worth reporting one by one.
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(data, &tm); err != nil {
		return cfg, fmt.Errorf("the configuration file %s is invalid: %w", path, err)
	}
	if tm.APIVersion != f.APIVersion || tm.Kind != f.Kind {
		return cfg, fmt.Errorf("the configuration file %s must have apiVersion %s and kind %s, not apiVersion %q and kind %q",
			path, f.APIVersion, f.Kind, tm.APIVersion, tm.Kind)
	}
	// As kube-apiserver reads objects: field names match exactly, and an
	// unknown or repeated field is named by its path (nested.count).
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return cfg, fmt.Errorf("the configuration file %s is invalid: %w", path, err)
	}
	strict, err := kjson.UnmarshalStrict(js, &cfg, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err == nil {
		err = errors.Join(strict...)
	}
	if err != nil {
		return cfg, fmt.Errorf("the configuration file %s is invalid: %w", path, err)
	}
	return cfg, nil
}

// Invalid says that the configuration assembled from the file at path
// (none when empty) and the flags does not validate, so that the reader
// knows where to look; err names the fields.
func Invalid(path string, err error) error {
	if path == "" {
		return fmt.Errorf("the configuration (defaults and flags) is invalid: %w", err)
	}
	return fmt.Errorf("the configuration (file %s and flags) is invalid: %w", path, err)
}
