// Command agent is the budget copilot's function: predict_cost,
// scale_cluster and slack_alert (internal/copilot), configured from the
// environment (internal/fnenv) and served on AWS Lambda as Netlify runs Go
// functions.
package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/novadynamics/stellar-budget/internal/fnenv"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	h, err := fnenv.Agent(fnenv.Env{Getenv: os.Getenv, Now: time.Now, Log: log})
	if err != nil {
		log.Error("the agent function cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(fnenv.Lambda(h))
}
