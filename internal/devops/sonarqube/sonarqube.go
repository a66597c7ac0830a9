// Package sonarqube reads SonarQube's verdict on a commit through its Web
// API: the analysis of the commit (api/project_analyses/search), its
// quality gate (api/qualitygates/project_status) and the project's
// measures (api/measures/component).
//
// SonarQube was not run while this package was written: its tests use an
// HTTP server that answers as SonarQube's Web API documentation says (the
// answers in testdata were written from that documentation, not recorded
// from a live server).
package sonarqube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

// Metrics are the measures read.
const Metrics = "bugs,vulnerabilities,code_smells,coverage"

// maxPages bounds the analyses searched for a commit (newest first, 100 a
// page).
const maxPages = 10

var (
	// ErrNoAnalysis is returned while SonarQube has no analysis of the
	// commit: the scanner has not run, or its report is still being
	// processed. The step can wait and ask again.
	ErrNoAnalysis = errors.New("sonarqube has no analysis of the commit yet")
	// ErrProjectNotFound is returned when SonarQube has no such project
	// (or branch); the error names it.
	ErrProjectNotFound = errors.New("sonarqube has no such project")
	// ErrUnauthorized is returned when SonarQube refuses the token (401)
	// or forbids the project to it (403).
	ErrUnauthorized = errors.New("sonarqube refused the token")
)

// Client reads SonarQube's Web API.
type Client struct {
	// URL is SonarQube's root, e.g. https://sonar.example.com (a path is
	// kept).
	URL string
	// Token is a user token, sent as the basic-auth login with an empty
	// password, as SonarQube documents for its Web API.
	Token string
	// HTTP makes the requests (default: a client with a 30s timeout).
	HTTP *http.Client
}

type analysesAnswer struct {
	Paging struct {
		PageIndex int `json:"pageIndex"`
		PageSize  int `json:"pageSize"`
		Total     int `json:"total"`
	} `json:"paging"`
	Analyses []struct {
		Key      string `json:"key"`
		Date     string `json:"date"`
		Revision string `json:"revision"`
	} `json:"analyses"`
}

type gateAnswer struct {
	ProjectStatus struct {
		Status string `json:"status"`
	} `json:"projectStatus"`
}

type measuresAnswer struct {
	Component struct {
		Key      string `json:"key"`
		Measures []struct {
			Metric string `json:"metric"`
			Value  string `json:"value"`
		} `json:"measures"`
	} `json:"component"`
}

type errorsAnswer struct {
	Errors []struct {
		Msg string `json:"msg"`
	} `json:"errors"`
}

// Quality returns SonarQube's verdict on a project's branch ("" for the
// main branch). With a commit, the quality gate is the one of the analysis
// of that commit (ErrNoAnalysis until there is one); without, the
// branch's latest. The measures are the branch's current ones: SonarQube's
// measures API has no analysis parameter.
func (c *Client) Quality(ctx context.Context, projectKey, branch, commit string) (*devopsv1alpha3.CodeQuality, error) {
	if projectKey == "" {
		return nil, errors.New("sonarqube: no project key")
	}
	gateQuery := url.Values{}
	if commit != "" {
		id, err := c.analysisOf(ctx, projectKey, branch, commit)
		if err != nil {
			return nil, err
		}
		gateQuery.Set("analysisId", id)
	} else {
		gateQuery.Set("projectKey", projectKey)
		if branch != "" {
			gateQuery.Set("branch", branch)
		}
	}
	var gate gateAnswer
	if err := c.get(ctx, "/api/qualitygates/project_status", gateQuery, projectKey, &gate); err != nil {
		return nil, err
	}
	out := &devopsv1alpha3.CodeQuality{ProjectKey: projectKey, QualityGate: gate.ProjectStatus.Status}
	if out.QualityGate == "" {
		out.QualityGate = "NONE"
	}

	mq := url.Values{"component": {projectKey}, "metricKeys": {Metrics}}
	if branch != "" {
		mq.Set("branch", branch)
	}
	var m measuresAnswer
	if err := c.get(ctx, "/api/measures/component", mq, projectKey, &m); err != nil {
		return nil, err
	}
	for _, ms := range m.Component.Measures {
		switch ms.Metric {
		case "bugs":
			out.Bugs = count(ms.Value)
		case "vulnerabilities":
			out.Vulnerabilities = count(ms.Value)
		case "code_smells":
			out.CodeSmells = count(ms.Value)
		case "coverage":
			out.Coverage = ms.Value
		}
	}
	dash := url.Values{"id": {projectKey}}
	if branch != "" {
		dash.Set("branch", branch)
	}
	out.URL = strings.TrimSuffix(c.URL, "/") + "/dashboard?" + dash.Encode()
	return out, nil
}

func count(v string) *int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// analysisOf finds the key of the newest analysis of the commit.
func (c *Client) analysisOf(ctx context.Context, projectKey, branch, commit string) (string, error) {
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"project": {projectKey}, "p": {strconv.Itoa(page)}, "ps": {"100"}}
		if branch != "" {
			q.Set("branch", branch)
		}
		var a analysesAnswer
		if err := c.get(ctx, "/api/project_analyses/search", q, projectKey, &a); err != nil {
			return "", err
		}
		for _, an := range a.Analyses {
			if an.Revision != "" && strings.EqualFold(an.Revision, commit) {
				return an.Key, nil
			}
		}
		if len(a.Analyses) == 0 || page*max(a.Paging.PageSize, 1) >= a.Paging.Total {
			break
		}
	}
	return "", fmt.Errorf("%w: project %s, commit %s", ErrNoAnalysis, projectKey, commit)
}

func (c *Client) get(ctx context.Context, path string, q url.Values, projectKey string, into any) error {
	u := strings.TrimSuffix(c.URL, "/") + path + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("sonarqube: %w", err)
	}
	req.SetBasicAuth(c.Token, "")
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("sonarqube did not answer GET %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("sonarqube: reading GET %s: %w", path, err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, into); err != nil {
			return fmt.Errorf("sonarqube: GET %s: the answer is not the JSON expected: %w", path, err)
		}
		return nil
	}
	var e errorsAnswer
	_ = json.Unmarshal(body, &e)
	msgs := make([]string, 0, len(e.Errors))
	for _, m := range e.Errors {
		msgs = append(msgs, m.Msg)
	}
	detail := strings.Join(msgs, "; ")
	if detail != "" {
		detail = ": " + detail
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("%w (401 on GET %s): check the token", ErrUnauthorized, path)
	case http.StatusForbidden:
		return fmt.Errorf("%w: the token may not read the project %s (403 on GET %s)%s", ErrUnauthorized, projectKey, path, detail)
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s (404 on GET %s)%s", ErrProjectNotFound, projectKey, path, detail)
	}
	return fmt.Errorf("sonarqube answered %d %s to GET %s%s", resp.StatusCode, http.StatusText(resp.StatusCode), path, detail)
}
