package main

import (
	"context"
	"testing"
)

// TestServeAndAct: a small run of the in-process part: every predict_cost
// and bare answer checked, each scale_cluster call one verified trail
// entry.
func TestServeAndAct(t *testing.T) {
	fx := testFixture(t)
	h, err := fx.serve(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	cmp, err := compare(context.Background(), h.client, h.bare, h.predict, load{clients: 4, requests: 60}, 2, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.base) != 2 || len(cmp.subject) != 2 || cmp.subject[0].requests != 60 || cmp.base[1].requests != 60 {
		t.Errorf("rounds %+v", cmp)
	}
	a, err := h.act(context.Background(), load{clients: 3, requests: 12})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range a.outcomes {
		total += n
	}
	if a.requests != 12 || total != 12 || a.head.Entries != 12 || a.head.Hash == "" {
		t.Errorf("acting %+v, outcomes %s", a, a.outcomeList())
	}
}
