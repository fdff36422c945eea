package setup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/iam"
)

// ErrMissingGroup is what every MissingGroupError Is: a category's group
// is not in the account, or not assigned to the workspace, so its grants
// would be refused.
var ErrMissingGroup = errors.New("group missing")

// MissingGroupError names a group content/ asks for that cannot be
// granted, and where to make it.
type MissingGroupError struct {
	Group string
	// Files are the category files that name the group.
	Files []string
	// InAccount is true when the account has the group but the workspace
	// is not assigned it.
	InAccount   bool
	WorkspaceID int64
}

func (e *MissingGroupError) Error() string {
	files := strings.Join(e.Files, ", ")
	if e.InAccount {
		return fmt.Sprintf("group %s (%s) is in the account but not assigned to workspace %d: assign it in the account console > Workspaces > the workspace > Permissions > Add permissions",
			e.Group, files, e.WorkspaceID)
	}
	return fmt.Sprintf("group %s (%s) does not exist in the account: create it in the account console > User management > Groups, then assign it to workspace %d (Workspaces > the workspace > Permissions)",
		e.Group, files, e.WorkspaceID)
}

// Is makes errors.Is(err, ErrMissingGroup) true.
func (e *MissingGroupError) Is(target error) bool { return target == ErrMissingGroup }

// WorkspaceIdentity tells which workspace the workspace client reaches;
// *databricks.WorkspaceClient is one.
type WorkspaceIdentity interface {
	CurrentWorkspaceID(ctx context.Context) (int64, error)
}

// checkGroups makes sure every category's group exists in the account and
// is assigned to the workspace, before anything is read or changed: a
// budget policy grant needs the account group, a cluster policy grant the
// group in the workspace. It returns one MissingGroupError per group that
// is not, joined.
func checkGroups(ctx context.Context, c Clients, d desired) error {
	var order []string
	files := map[string][]string{}
	for _, cw := range d.categories {
		g := cw.category.Group
		if _, seen := files[g]; !seen {
			order = append(order, g)
		}
		files[g] = append(files[g], categoryFile(cw.category))
	}
	if len(order) == 0 {
		return nil
	}
	wsID, err := c.Workspace.CurrentWorkspaceID(ctx)
	if err != nil {
		return fmt.Errorf("read the workspace id: %w", oneLine(err))
	}
	assignments, err := c.WorkspaceAssignment.ListAll(ctx, iam.ListWorkspaceAssignmentRequest{WorkspaceId: wsID})
	if err != nil {
		return fmt.Errorf("list the groups assigned to workspace %d: %w", wsID, oneLine(err))
	}
	assigned := map[int64]bool{}
	for _, a := range assignments {
		if a.Principal != nil && a.Principal.GroupName != "" {
			assigned[a.Principal.PrincipalId] = true
		}
	}
	var missing []error
	for _, g := range order {
		found, err := accountGroup(ctx, c, g)
		if err != nil {
			return err
		}
		if found != nil {
			id, err := strconv.ParseInt(found.Id, 10, 64)
			if err == nil && assigned[id] {
				continue
			}
		}
		missing = append(missing, &MissingGroupError{Group: g, Files: files[g], InAccount: found != nil, WorkspaceID: wsID})
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("plan setup: %d of the groups content/ names cannot be granted; nothing was read or changed:\n%w", len(missing), errors.Join(missing...))
}

// accountGroup finds the account group named name, or nil.
func accountGroup(ctx context.Context, c Clients, name string) (*iam.AccountGroup, error) {
	quoted, err := json.Marshal(name) // a SCIM filter value is a JSON string
	if err != nil {
		return nil, fmt.Errorf("look up group %s: %w", name, err)
	}
	groups, err := c.Groups.ListAll(ctx, iam.ListAccountGroupsRequest{Filter: "displayName eq " + string(quoted), Attributes: "id,displayName"})
	if err != nil {
		return nil, fmt.Errorf("look up group %s in the account: %w", name, oneLine(err))
	}
	for i, g := range groups {
		if strings.EqualFold(g.DisplayName, name) {
			return &groups[i], nil
		}
	}
	return nil, nil
}
