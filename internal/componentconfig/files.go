package componentconfig

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
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

// RESTConfig is the client configuration of kube-apiserver that
// --kubeconfig names, or the in-cluster one when it is empty.
func RESTConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		rc, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("no --kubeconfig given and not running in a cluster: %w", err)
		}
		return rc, nil
	}
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("loading --kubeconfig %s: %w", kubeconfig, err)
	}
	return rc, nil
}

// Print writes a configuration as YAML, for --print-config. Redact its
// secrets first.
func Print(w io.Writer, cfg any) error {
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
