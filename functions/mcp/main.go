// Command mcp serves the budget copilot's tools (predict_cost,
// scale_cluster, slack_alert) over the Model Context Protocol, streamable
// HTTP and stateless (internal/mcpserver), configured from the environment
// (internal/fnenv) and served on AWS Lambda as Netlify runs Go functions.
package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/novadynamics/stellar-budget/internal/fnenv"
	"github.com/novadynamics/stellar-budget/internal/mcpserver"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	h, err := mcpserver.FromEnv(fnenv.Env{Getenv: os.Getenv, Now: time.Now, Log: log})
	if err != nil {
		log.Error("the mcp function cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(fnenv.Lambda(h))
}
