// Package names derives the object names of the app store from chart names
// and versions, so that the controller that syncs repositories, the API that
// takes uploads and the release controller agree on them.
//
// Every name is a DNS-1123 subdomain of at most 63 characters (it is also
// used as a label value). When the plain name would be invalid or longer,
// it is lower-cased, its invalid characters become '-', it is cut, and an
// 8-hex suffix of the sha256 of the plain name keeps distinct inputs apart.
package names

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxLength is the longest Application or ApplicationVersion name.
const MaxLength = validation.DNS1123LabelMaxLength

// ChartConfigMapPrefix starts the name of the ConfigMap that holds an
// uploaded version's chart.
const ChartConfigMapPrefix = "appver-"

// Application is the name of the Application of chart: prefix is the
// Repository's name for a synced chart, the workspace's for an upload.
func Application(prefix, chart string) string {
	return fit(prefix + "-" + chart)
}

// Version is the name of the ApplicationVersion of app (an Application's
// name) at version; '+' and '_' of the version become '-'.
func Version(app, version string) string {
	v := strings.NewReplacer("+", "-", "_", "-").Replace(version)
	return fit(app + "-" + v)
}

// ChartConfigMap is the name of the ConfigMap in superkube-system that
// holds the chart of the ApplicationVersion versionObj.
func ChartConfigMap(versionObj string) string {
	return fit253(ChartConfigMapPrefix + versionObj)
}

// fit returns s when it is a valid name of at most MaxLength characters,
// else a valid name made from it with a hash suffix.
func fit(s string) string {
	if len(s) <= MaxLength && len(validation.IsDNS1123Subdomain(s)) == 0 {
		return s
	}
	return hashed(s, MaxLength)
}

func fit253(s string) string {
	if len(validation.IsDNS1123Subdomain(s)) == 0 {
		return s
	}
	return hashed(s, validation.DNS1123SubdomainMaxLength)
}

// hashed cleans s, cuts it to leave room for "-" and 8 hex digits, and
// appends them.
func hashed(s string, max int) string {
	sum := sha256.Sum256([]byte(s))
	suffix := hex.EncodeToString(sum[:4])
	b := make([]byte, 0, len(s))
	low := strings.ToLower(s)
	for i := range len(low) {
		switch r := low[i]; {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b = append(b, r)
		case r == '.':
			// A dot may not follow or precede a dash or another dot.
			if n := len(b); n > 0 && b[n-1] != '.' && b[n-1] != '-' {
				b = append(b, '.')
			}
		default:
			b = append(b, '-')
		}
	}
	out := string(b)
	if keep := max - len(suffix) - 1; len(out) > keep {
		out = out[:keep]
	}
	// Cut at a clean boundary: no leading or trailing '-' or '.', no ".-".
	out = strings.Trim(out, "-.")
	out = strings.ReplaceAll(out, ".-", "-")
	out = strings.ReplaceAll(out, "-.", "-")
	if out == "" {
		return "x-" + suffix
	}
	return out + "-" + suffix
}
