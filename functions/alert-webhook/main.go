// Command alert-webhook acts on budget alerts: Databricks SQL alert
// webhooks and the generator's own signed events, each mapped to its
// category and handled as the category's on_breach says (internal/copilot),
// configured from the environment (internal/fnenv) and served on AWS
// Lambda as Netlify runs Go functions.
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
	h, err := fnenv.AlertWebhook(fnenv.Env{Getenv: os.Getenv, Now: time.Now, Log: log})
	if err != nil {
		log.Error("the alert-webhook function cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(fnenv.Lambda(h))
}
