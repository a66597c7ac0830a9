package alertrules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
)

// Key names a rule group object.
type Key struct {
	Level     string
	Namespace string
	Name      string
}

// FileName is the rule file of a group in the rules directory:
// project_<namespace>_<name>.yaml, cluster_<name>.yaml or
// global_<name>.yaml (object names have no "_", so each is unique).
func (k Key) FileName() string {
	if k.Level == alertingv2beta1.LevelProject {
		return k.Level + "_" + k.Namespace + "_" + k.Name + FileSuffix
	}
	return k.Level + "_" + k.Name + FileSuffix
}

// FileSuffix ends every rule file; Prometheus' rule_files reads
// <rulesDir>/*.yaml.
const FileSuffix = ".yaml"

// keyOf is the inverse of FileName.
func keyOf(file string) (Key, bool) {
	base, ok := strings.CutSuffix(file, FileSuffix)
	if !ok {
		return Key{}, false
	}
	parts := strings.Split(base, "_")
	switch {
	case len(parts) == 3 && parts[0] == alertingv2beta1.LevelProject:
		return Key{Level: parts[0], Namespace: parts[1], Name: parts[2]}, true
	case len(parts) == 2 && (parts[0] == alertingv2beta1.LevelCluster || parts[0] == alertingv2beta1.LevelGlobal):
		return Key{Level: parts[0], Name: parts[1]}, true
	}
	return Key{}, false
}

// dir is the rules directory.
type dir string

// read returns a file's content, nil when it does not exist.
func (d dir) read(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(string(d), name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// put makes the file hold content (nil removes it), atomically: a reader
// (Prometheus) sees the old file or the new one, never a part. An
// unchanged file is not written again.
func (d dir) put(name string, content []byte) error {
	old, err := d.read(name)
	if err != nil {
		return err
	}
	if content == nil {
		if old == nil {
			return nil
		}
		if err := os.Remove(filepath.Join(string(d), name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if old != nil && bytes.Equal(old, content) {
		return nil
	}
	tmp, err := os.CreateTemp(string(d), "."+name+".*.tmp")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone after the rename
	if _, err := tmp.Write(content); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Prometheus may run as another user.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(string(d), name)); err != nil {
		return fmt.Errorf("writing the rule file: %w", err)
	}
	return nil
}

// list returns the rule files of the directory.
func (d dir) list() ([]string, error) {
	entries, err := os.ReadDir(string(d))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if _, ok := keyOf(e.Name()); ok && e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
