// Package tokenfile reads the shared secret of a webhook that ke-apiserver
// serves to another program (kube-apiserver's audit events, Alertmanager's
// notifications): the first line of a file, long enough to resist guessing.
package tokenfile

import (
	"fmt"
	"os"
	"strings"
)

// MinLength is the shortest token accepted.
const MinLength = 32

// Read returns the first line of file, trimmed; what names the token in
// the error (for example "audit webhook").
func Read(file, what string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0])
	if len(tok) < MinLength {
		return "", fmt.Errorf("the %s token in %s is shorter than %d characters", what, file, MinLength)
	}
	return tok, nil
}
