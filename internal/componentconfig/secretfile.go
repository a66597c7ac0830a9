package componentconfig

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// RedisURLFile reads the Redis URL of --redis-url-file, which keeps the
// URL (and its password) out of the command line and of ps. urlFlagSet
// says whether --redis-url was set too, which is an error. The URL itself
// is never part of an error.
func RedisURLFile(name string, urlFlagSet bool) (string, error) {
	if urlFlagSet {
		return "", errors.New("--redis-url and --redis-url-file are both set; give one")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("--redis-url-file: %w", err)
	}
	url := strings.TrimSpace(string(data))
	if url == "" {
		return "", fmt.Errorf("--redis-url-file %s is empty", name)
	}
	return url, nil
}
