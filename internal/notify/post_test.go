package notify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPosterBotToken(t *testing.T) {
	const token = "xoxb-0000-secret-token"
	var gotChannel, gotText string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		// slack-go sends the token in the form; Slack takes it there or as a bearer.
		if r.URL.Path != "/chat.postMessage" || (r.PostForm.Get("token") != token && r.Header.Get("Authorization") != "Bearer "+token) {
			http.Error(w, "wrong call", http.StatusBadRequest)
			return
		}
		gotChannel, gotText = r.PostForm.Get("channel"), r.PostForm.Get("text")
		w.Header().Set("Content-Type", "application/json")
		if gotChannel == "#nowhere" {
			_, _ = w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
			return
		}
		_, _ = w.Write([]byte(`{"ok":true,"channel":"C0FINOPS","ts":"1796457600.000100"}`))
	}))
	defer api.Close()
	p, err := NewPoster(PostConfig{BotToken: token, APIURL: api.URL})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Post(context.Background(), "#finops", "EXOPLANET_RESEARCH: scaled c-1 to 2 workers")
	if err != nil || res.Channel != "C0FINOPS" || res.TS != "1796457600.000100" || res.Via != "chat.postMessage" {
		t.Fatalf("Post = %+v, %v", res, err)
	}
	if gotChannel != "#finops" || !strings.Contains(gotText, "scaled c-1") {
		t.Errorf("Slack got channel %q text %q", gotChannel, gotText)
	}
	_, err = p.Post(context.Background(), "#nowhere", "x")
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") || strings.Contains(err.Error(), token) {
		t.Errorf("Post to a missing channel: %v", err)
	}
}

func TestPosterWebhook(t *testing.T) {
	var posts int
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts++
		_, _ = w.Write([]byte("ok"))
	}))
	defer hook.Close()
	p, err := NewPoster(PostConfig{WebhookURL: hook.URL + "/services/T0/B0/secret"})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Post(context.Background(), "#finops", "hello"); err != nil || res.Via != "incoming webhook" || posts != 1 {
		t.Fatalf("Post = %+v, %v (%d posts)", res, err, posts)
	}
	if _, err := NewPoster(PostConfig{}); !errors.Is(err, ErrNoSlack) {
		t.Errorf("no Slack: %v", err)
	}
}
