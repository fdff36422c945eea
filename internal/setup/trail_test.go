package setup

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// fakeTrail stands for the trail's table; the real one, on the emulator's
// statement API, is planned and created in generator's setup tests.
type fakeTrail struct {
	cols        []trail.Column // nil: no table
	describeErr error
	creates     int
}

func (f *fakeTrail) Location() string { return "main.stellar.agent_trail" }
func (f *fakeTrail) CreateStatement() string {
	return "CREATE TABLE IF NOT EXISTS `main`.`stellar`.`agent_trail` (...)"
}
func (f *fakeTrail) Describe(context.Context) ([]trail.Column, bool, error) {
	return f.cols, f.cols != nil, f.describeErr
}
func (f *fakeTrail) Create(context.Context) error {
	f.creates++
	if f.cols == nil {
		f.cols = trail.Columns
	}
	return nil
}

func TestTrailTableInPlan(t *testing.T) {
	div, _, _ := start(t)
	c, actor := connect(t)
	opts := Options{AsOf: asOf}
	without := plan(t, c, div, opts)

	table := &fakeTrail{}
	c.Trail = table
	first := plan(t, c, div, opts)
	if first.ID == without.ID || len(first.Items) != len(without.Items)+1 {
		t.Errorf("a plan with the trail table has id %s and %d items; without it %s and %d", first.ID, len(first.Items), without.ID, len(without.Items))
	}
	var text strings.Builder
	if err := first.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\nagent trail\n  create    trail table          main.stellar.agent_trail\n",
		"      columns: seq BIGINT, time TIMESTAMP, key STRING, caller STRING,",
		"      delta.appendOnly: true\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("plan text lacks %q:\n%s", want, text.String())
		}
	}
	log := filepath.Join(t.TempDir(), audit.FileName)
	res := apply(t, c, first, log, actor)
	if table.creates != 1 {
		t.Errorf("the table was created %d times", table.creates)
	}
	entries, err := audit.Read(log)
	if err != nil {
		t.Fatal(err)
	}
	last := entries[len(entries)-1]
	if len(res.Applied) != len(first.Items) || last.Kind != "trail_table" || last.Action != "create" || last.Key != "main.stellar.agent_trail" ||
		!strings.Contains(string(last.After), `"append_only":true`) || !strings.Contains(string(last.After), `"statement":"CREATE TABLE IF NOT EXISTS`) {
		t.Errorf("audit entry of the table: %+v", last)
	}
	second := plan(t, c, div, opts)
	if !second.Empty() || second.ID != first.ID {
		t.Errorf("after apply: %v, id %s (was %s)", byAction(second), second.ID, first.ID)
	}
	apply(t, c, second, log, actor)
	if table.creates != 1 {
		t.Errorf("a second apply created the table again")
	}

	t.Run("a table with other columns is left alone", func(t *testing.T) {
		c.Trail = &fakeTrail{cols: []trail.Column{{Name: "seq", Type: "BIGINT"}, {Name: "note", Type: "STRING"}}}
		p := plan(t, c, div, opts)
		it := p.Items[len(p.Items)-1]
		if it.Kind != KindTrailTable || it.Action != Unchanged || len(p.Notes) != 1 ||
			!strings.Contains(p.Notes[0], "has the columns seq BIGINT, note STRING; the trail needs seq BIGINT, time TIMESTAMP") {
			t.Errorf("item %+v, notes %q", it, p.Notes)
		}
	})
	t.Run("a table that cannot be read", func(t *testing.T) {
		c.Trail = &fakeTrail{describeErr: errors.New("[INSUFFICIENT_PERMISSIONS] no USE SCHEMA")}
		if _, err := NewPlan(context.Background(), c, div, opts); err == nil || !strings.Contains(err.Error(), "read agent trail table main.stellar.agent_trail: [INSUFFICIENT_PERMISSIONS]") {
			t.Errorf("NewPlan = %v", err)
		}
	})
}
