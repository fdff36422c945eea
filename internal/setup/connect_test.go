package setup

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

func TestConnectErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string // changes to the emulator's environment
		fault string            // emulator fault switched on, as admin JSON
		msg   string            // the whole error is one line containing it
	}{
		{"no account id", map[string]string{"DATABRICKS_ACCOUNT_ID": ""}, "",
			"account configuration: no account id (set DATABRICKS_ACCOUNT_ID"},
		{"workspace host for the account", map[string]string{"DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST": ""}, "",
			"is a workspace host (the account API is at https://accounts.cloud.databricks.com"},
		{"unified host without workspace id", map[string]string{"DATABRICKS_WORKSPACE_ID": ""}, "",
			"workspace configuration: no workspace id (a unified host needs DATABRICKS_WORKSPACE_ID"},
		{"no such profile", map[string]string{"DATABRICKS_CONFIG_PROFILE": "ACCOUNT", "DATABRICKS_CONFIG_FILE": "testdata/databrickscfg",
			"DATABRICKS_HOST": "", "DATABRICKS_CLIENT_ID": "", "DATABRICKS_CLIENT_SECRET": "", "DATABRICKS_ACCOUNT_ID": "", "DATABRICKS_WORKSPACE_ID": "", "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST": ""}, "",
			"account configuration: resolve: testdata/databrickscfg has no ACCOUNT profile configured"},
		{"a profile mixed with the environment", map[string]string{"DATABRICKS_CONFIG_PROFILE": "DEFAULT", "DATABRICKS_CONFIG_FILE": "testdata/databrickscfg"}, "",
			"account configuration: a named profile mixed with DATABRICKS_* variables: profile DEFAULT is named, and DATABRICKS_ACCOUNT_ID, "},
		{"wrong client secret", map[string]string{"DATABRICKS_CLIENT_SECRET": "dose-wrong"}, "",
			"workspace: authentication failed (the OAuth client was refused: check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or client_id and client_secret in the profile): read current user: "},
		{"expired token", nil, `{"expired_token": true}`,
			"workspace: authentication failed (check the token or profile): read current user: Token is expired."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, emu, _ := start(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if tc.fault != "" {
				req, _ := http.NewRequest(http.MethodPost, emu.URL+"/emulator/admin/faults", strings.NewReader(tc.fault))
				req.Header.Set("Authorization", "Bearer "+emu.PAT())
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("switch fault on: %v %v", resp, err)
				}
				resp.Body.Close()
			}
			c, err := Connect(ConnectOptions{})
			if err == nil {
				_, err = Preflight(context.Background(), c)
			}
			if err == nil || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "dapi-") || strings.Contains(err.Error(), "dose-") {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

func TestApplyStops(t *testing.T) {
	div, _, _ := start(t)
	c, actor := connect(t)
	opts := Options{AsOf: asOf}
	dir := t.TempDir()

	t.Run("broken audit log: nothing is changed", func(t *testing.T) {
		log := filepath.Join(dir, "broken.jsonl")
		if _, err := audit.Append(log, audit.Record{Actor: "x", Action: "create", Kind: "budget", Key: "k"}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(log, bytes.Replace(b, []byte(`"x"`), []byte(`"y"`), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		p := plan(t, c, div, opts)
		res, err := Apply(context.Background(), c, p, ApplyOptions{AuditLog: log, Actor: actor, Now: func() time.Time { return asOf }})
		if !errors.Is(err, audit.ErrBroken) || len(res.Applied) != 0 {
			t.Fatalf("apply on a broken log: %d applied, %v", len(res.Applied), err)
		}
		sameCounts(t, "plan after the refused apply", byAction(plan(t, c, div, opts)), byAction(p))
	})

	t.Run("a failing change stops the run, logged up to it", func(t *testing.T) {
		log := filepath.Join(dir, "audit.jsonl")
		p := plan(t, c, div, opts)
		// Someone takes the name of the first category's jobs policy
		// between plan and apply: its create fails.
		first := div.Categories[0]
		createPolicy(t, c, computeCreate("SAD "+first.Title+" (jobs)", `{}`))
		res, err := Apply(context.Background(), c, p, ApplyOptions{AuditLog: log, Actor: actor, Now: func() time.Time { return asOf }})
		want := "create cluster policy SAD " + first.Title + " (jobs): Cluster Policy with name `SAD " + first.Title + " (jobs)` already exists"
		if err == nil || err.Error() != want {
			t.Fatalf("apply error %v, want %q", err, want)
		}
		// Its three budgets, budget policy and grant were made and logged,
		// and the policy's intent with its failure.
		if len(res.Applied) != 5 || res.Head.Entries != 2*5+2 {
			t.Fatalf("%d applied, %d logged; want 5 changes and 12 entries", len(res.Applied), res.Head.Entries)
		}
		entries, err := audit.Read(log)
		if err != nil {
			t.Fatal(err)
		}
		failed := entries[len(entries)-1]
		if failed.Outcome != audit.OutcomeFailed || failed.Intent != entries[len(entries)-2].Hash || !strings.Contains(failed.Error, "already exists") {
			t.Errorf("last entry %+v, want the failure of the intent before it", failed)
		}
		if _, open, err := audit.OpenIntents(log, res.Head.Hash); err != nil || len(open) != 0 {
			t.Errorf("open intents after a refused change: %v, %v", open, err)
		}
		// The next plan adopts the policy and does the rest.
		next := plan(t, c, div, opts)
		sameCounts(t, "next plan", byAction(next), map[string]int{
			"budget create": 18, "budget unchanged": 3, "budget_policy create": 6, "budget_policy unchanged": 1,
			"budget_policy_grant create": 6, "budget_policy_grant unchanged": 1,
			"cluster_policy create": 9, "cluster_policy update": 1, "cluster_policy_grant create": 10,
		})
		apply(t, c, next, log, actor)
		if last := plan(t, c, div, opts); !last.Empty() {
			t.Errorf("plan after the retry: %v", byAction(last))
		}
	})
}
