package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// The paths of the Lambda runtime API (version 2018-06-01) that
// aws-lambda-go's runtime client calls (lambda/runtime_api_client.go).
const (
	runtimePrefix  = "/2018-06-01/runtime/"
	headerID       = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline = "Lambda-Runtime-Deadline-Ms"
	headerARN      = "Lambda-Runtime-Invoked-Function-Arn"
)

// invocation is what a function posted for the one event it was given.
type invocation struct {
	id     string
	body   []byte
	failed bool // posted to .../error (or init/error) rather than .../response
	at     time.Time
}

// runtimeAPI is a local Lambda runtime API on 127.0.0.1: it hands a
// function one API Gateway proxy event and receives its answer, as the
// Lambda service does for one cold invocation. A second "next" is held
// open until the stub closes, as Lambda freezes a function between
// events.
type runtimeAPI struct {
	addr      string
	event     []byte
	id        string
	now       func() time.Time
	given     atomic.Bool
	answers   chan invocation
	srv       *http.Server
	closed    chan struct{}
	closeOnce sync.Once
}

// startRuntimeAPI serves event, once, under request id id.
func startRuntimeAPI(event []byte, id string, now func() time.Time) (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API stub: listen: %w", err)
	}
	api := &runtimeAPI{addr: ln.Addr().String(), event: event, id: id, now: now, answers: make(chan invocation, 1), closed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimePrefix+"invocation/next", api.next)
	mux.HandleFunc("POST "+runtimePrefix+"invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) { api.receive(w, r, false) })
	mux.HandleFunc("POST "+runtimePrefix+"invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) { api.receive(w, r, true) })
	mux.HandleFunc("POST "+runtimePrefix+"init/error", func(w http.ResponseWriter, r *http.Request) { api.receive(w, r, true) })
	api.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go api.srv.Serve(ln)
	return api, nil
}

// next gives the event to the first caller and holds every later one.
func (api *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	if !api.given.CompareAndSwap(false, true) {
		select {
		case <-r.Context().Done():
		case <-api.closed:
		}
		return
	}
	h := w.Header()
	h.Set(headerID, api.id)
	h.Set(headerDeadline, strconv.FormatInt(api.now().Add(30*time.Second).UnixMilli(), 10))
	h.Set(headerARN, "arn:aws:lambda:us-east-1:000000000000:function:fnbench")
	h.Set("Content-Type", "application/json")
	w.Write(api.event)
}

// receive records an answer (or an error) and accepts it with 202, the
// status the runtime client expects.
func (api *runtimeAPI) receive(w http.ResponseWriter, r *http.Request, failed bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	at := api.now()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if id := r.PathValue("id"); id != "" && id != api.id {
		http.Error(w, "unknown request id "+id, http.StatusBadRequest)
		return
	}
	select {
	case api.answers <- invocation{id: r.PathValue("id"), body: body, failed: failed, at: at}:
	default: // only the first answer counts
	}
	w.WriteHeader(http.StatusAccepted)
}

// Close stops the stub and releases a held "next"; it may be called again.
func (api *runtimeAPI) Close() error {
	api.closeOnce.Do(func() { close(api.closed) })
	return api.srv.Close()
}

// coldCall is one cold invocation of a function binary: its environment
// (besides AWS_LAMBDA_RUNTIME_API), the event, and what a right answer is.
type coldCall struct {
	env   []string
	event events.APIGatewayProxyRequest
	check func(events.APIGatewayProxyResponse) error
}

// coldStart starts binary with only call.env and the runtime API's
// address in its environment (as Lambda starts it: nothing inherited),
// hands it call.event and measures from just before the process starts
// to its answer's arrival. The process is killed afterwards.
func coldStart(ctx context.Context, binary string, call coldCall, timeout time.Duration) (time.Duration, events.APIGatewayProxyResponse, error) {
	var resp events.APIGatewayProxyResponse
	event, err := json.Marshal(call.event)
	if err != nil {
		return 0, resp, fmt.Errorf("encode the event: %w", err)
	}
	api, err := startRuntimeAPI(event, "fnbench-cold-1", time.Now)
	if err != nil {
		return 0, resp, err
	}
	defer api.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.Command(binary)
	cmd.Env = append([]string{"AWS_LAMBDA_RUNTIME_API=" + api.addr, "AWS_LAMBDA_FUNCTION_NAME=fnbench"}, call.env...)
	var stderr bytes.Buffer // read only after the process has exited
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, resp, fmt.Errorf("start %s: %w", binary, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	select {
	case inv := <-api.answers:
		stop()
		took := inv.at.Sub(began)
		if inv.failed {
			return took, resp, fmt.Errorf("%s answered with an error: %s", binary, clip(inv.body))
		}
		if err := json.Unmarshal(inv.body, &resp); err != nil {
			return took, resp, fmt.Errorf("%s's answer is not an API Gateway proxy response: %w: %s", binary, err, clip(inv.body))
		}
		if resp.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(resp.Body)
			if err != nil {
				return took, resp, fmt.Errorf("%s's answer body: %w", binary, err)
			}
			resp.Body, resp.IsBase64Encoded = string(b), false
		}
		if err := call.check(resp); err != nil {
			return took, resp, fmt.Errorf("%s answered %d %s: %w", binary, resp.StatusCode, clip([]byte(resp.Body)), err)
		}
		return took, resp, nil
	case err := <-exited:
		return 0, resp, fmt.Errorf("%s exited before answering (%v): %s", binary, err, clip(stderr.Bytes()))
	case <-ctx.Done():
		stop()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return 0, resp, fmt.Errorf("%s gave no answer within %s: %s", binary, timeout, clip(stderr.Bytes()))
		}
		return 0, resp, ctx.Err()
	}
}

// clip shortens b for an error message.
func clip(b []byte) string {
	const n = 400
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
