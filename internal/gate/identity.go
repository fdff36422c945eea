package gate

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Identity returns the Netlify Identity user a deployed function was
// called by: Netlify hands a Go function the user's claims as base64 JSON
// under the Lambda client context's custom "netlify" key ({"identity":
// ..., "user": {"email", "sub", "app_metadata": {"roles": [...]}}}).
// found is false when there is no user (a caller with a bearer token
// only, or a local run); a user with neither the viewer nor the operator
// role is found with Role "". Operator wins when both are named.
func Identity(ctx context.Context) (c Caller, found bool, err error) {
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok || lc == nil {
		return Caller{}, false, nil
	}
	raw := lc.ClientContext.Custom["netlify"]
	if raw == "" {
		return Caller{}, false, nil
	}
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return Caller{}, false, fmt.Errorf("read the Netlify client context: %w", err)
	}
	var nc struct {
		User *struct {
			Email       string `json:"email"`
			Sub         string `json:"sub"`
			AppMetadata struct {
				Roles []string `json:"roles"`
			} `json:"app_metadata"`
		} `json:"user"`
	}
	if err := json.Unmarshal(data, &nc); err != nil {
		return Caller{}, false, fmt.Errorf("read the Netlify client context: %w", err)
	}
	if nc.User == nil {
		return Caller{}, false, nil
	}
	who := nc.User.Email
	if who == "" {
		who = nc.User.Sub
	}
	c = Caller{Name: "identity:" + strings.ToLower(who)}
	switch roles := nc.User.AppMetadata.Roles; {
	case slices.Contains(roles, string(Operator)):
		c.Role = Operator
	case slices.Contains(roles, string(Viewer)):
		c.Role = Viewer
	}
	return c, true, nil
}

// Authenticate finds who sent an agent request: the Identity user Netlify
// passed, else the caller the bearer token belongs to. Neither is a 401;
// an Identity user without a role is a 403.
func Authenticate(r *http.Request, tokens Tokens) (Caller, error) {
	c, found, err := Identity(r.Context())
	if err != nil {
		return Caller{}, Refuse(http.StatusUnauthorized, "unauthenticated", "the Identity context could not be read")
	}
	if found {
		if c.Role == "" {
			return Caller{}, Refuse(http.StatusForbidden, "no_role", "%s has neither the viewer nor the operator role", c.Name)
		}
		return c, nil
	}
	tok, ok := Bearer(r)
	if !ok {
		return Caller{}, Refuse(http.StatusUnauthorized, "unauthenticated", "send Authorization: Bearer <token>")
	}
	if c, ok := tokens.Lookup(tok); ok {
		return c, nil
	}
	return Caller{}, Refuse(http.StatusUnauthorized, "unauthenticated", "the bearer token is not known")
}
