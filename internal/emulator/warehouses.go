package emulator

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// The seeded SQL warehouses. The first is the one the generator runs its
// SQL on (DATABRICKS_WAREHOUSE_ID); the others break the division's rules
// for `check` to find.
const (
	warehouseServerless = "4f2b8c1d9e3a7b60"
	warehouseBI         = "7a1c3e5b9d2f4068"
	warehouseAdHoc      = "b3d5f7a9c1e2048d"
)

// warehouse is an emulated SQL warehouse. Its state moves on with the
// clock when it is read: STARTING becomes RUNNING once the start delay
// has passed, and RUNNING becomes STOPPED after auto_stop_mins idle.
type warehouse struct {
	info         sql.EndpointInfo
	startedAt    time.Time // when it last began STARTING
	lastActivity time.Time // last statement or start, for auto stop
}

// DefaultWarehouseID is the warehouse DATABRICKS_WAREHOUSE_ID names: a
// serverless Pro warehouse that starts STOPPED.
func (s *Server) DefaultWarehouseID() string { return warehouseServerless }

// seedWarehouses creates the workspace's SQL warehouses.
func (s *Server) seedWarehouses() error {
	category := "DEEP_SPACE_TELEMETRY"
	if len(s.opts.Division.Categories) > 0 {
		category = s.opts.Division.Categories[0].TagValue
	}
	tags := func(kv ...string) *sql.EndpointTags {
		t := &sql.EndpointTags{}
		for i := 0; i+1 < len(kv); i += 2 {
			t.CustomTags = append(t.CustomTags, sql.EndpointTagPair{Key: kv[i], Value: kv[i+1]})
		}
		return t
	}
	s.warehouses = []*warehouse{
		{info: sql.EndpointInfo{
			Id: warehouseServerless, Name: "SAD Serverless SQL", CreatorName: "platform.admin@novadynamics.test",
			ClusterSize: "Small", MinNumClusters: 1, MaxNumClusters: 2, AutoStopMins: 10,
			EnableServerlessCompute: true, EnablePhoton: true, WarehouseType: sql.EndpointInfoWarehouseTypePro,
			SpotInstancePolicy: sql.SpotInstancePolicyCostOptimized, State: sql.StateStopped,
			Tags: tags("OperationalCategory", category, "Team", "SAD", "CostCenter", "ND-Analytics",
				"Environment", "PROD", "Owner", "platform.admin@novadynamics.test"),
		}},
		// Autotermination off and no OperationalCategory tag.
		{info: sql.EndpointInfo{
			Id: warehouseBI, Name: "BI Dashboards (classic)", CreatorName: "bi.team@novadynamics.test",
			ClusterSize: "Medium", MinNumClusters: 1, MaxNumClusters: 1, AutoStopMins: 0,
			WarehouseType:      sql.EndpointInfoWarehouseTypeClassic,
			SpotInstancePolicy: sql.SpotInstancePolicyCostOptimized, State: sql.StateRunning,
			Tags:            tags("Team", "SAD", "CostCenter", "ND-Analytics", "Environment", "PROD", "Owner", "bi.team@novadynamics.test"),
			ForceSendFields: []string{"AutoStopMins"},
		}},
		// A category value nobody configured, no Owner, a long auto stop.
		{info: sql.EndpointInfo{
			Id: warehouseAdHoc, Name: "Ad-hoc analytics", CreatorName: "data.scientist@novadynamics.test",
			ClusterSize: "2X-Small", MinNumClusters: 1, MaxNumClusters: 1, AutoStopMins: 240,
			EnablePhoton: true, WarehouseType: sql.EndpointInfoWarehouseTypePro,
			SpotInstancePolicy: sql.SpotInstancePolicyCostOptimized, State: sql.StateStopped,
			Tags: tags("OperationalCategory", "SANDBOX", "Team", "SAD", "Environment", "DEV"),
		}},
	}
	now := s.now()
	for _, w := range s.warehouses {
		w.lastActivity = now
	}
	return nil
}

// warehouseRoutes registers the SQL warehouse API.
func (s *Server) warehouseRoutes() {
	s.handle("GET /api/2.0/sql/warehouses", s.listWarehouses)
	s.handle("GET /api/2.0/sql/warehouses/{id}", s.getWarehouse)
	s.handle("POST /api/2.0/sql/warehouses/{id}/start", s.startWarehouse)
	s.handle("POST /api/2.0/sql/warehouses/{id}/stop", s.stopWarehouse)
}

// findWarehouse returns the warehouse with id, its state brought up to
// date; the caller holds s.mu.
func (s *Server) findWarehouse(id string) *warehouse {
	for _, w := range s.warehouses {
		if w.info.Id == id {
			s.advance(w)
			return w
		}
	}
	return nil
}

// advance moves a warehouse's state on with the clock; the caller holds
// s.mu.
func (s *Server) advance(w *warehouse) {
	now := s.now()
	f := s.opts.Faults
	switch w.info.State {
	case sql.StateStarting:
		if !f.WarehouseNeverStarts && now.Sub(w.startedAt) >= time.Duration(f.WarehouseStartDelay) {
			w.info.State = sql.StateRunning
			w.lastActivity = now
		}
	case sql.StateRunning:
		idle := time.Duration(w.info.AutoStopMins) * time.Minute
		if idle > 0 && now.Sub(w.lastActivity) >= idle && s.activeStatements(w.info.Id) == 0 {
			w.info.State = sql.StateStopped
		}
	}
}

// start begins starting a stopped warehouse; the caller holds s.mu.
func (s *Server) start(w *warehouse) {
	if w.info.State == sql.StateStopped || w.info.State == sql.StateStopping {
		w.info.State = sql.StateStarting
		w.startedAt = s.now()
		w.lastActivity = w.startedAt
		s.log.Info("starting SQL warehouse", "id", w.info.Id, "delay", time.Duration(s.opts.Faults.WarehouseStartDelay), "never_starts", s.opts.Faults.WarehouseNeverStarts)
		s.advance(w)
	}
}

// view is the warehouse as the API shows it to the request's host.
func (w *warehouse) view(r *http.Request) sql.EndpointInfo {
	info := w.info
	info.NumClusters = 0
	info.Health = &sql.EndpointHealth{Status: sql.StatusHealthy}
	if info.State == sql.StateRunning {
		info.NumClusters = info.MinNumClusters
	}
	info.ForceSendFields = append([]string{"NumClusters"}, info.ForceSendFields...)
	info.Channel = &sql.Channel{Name: sql.ChannelNameChannelNameCurrent}
	// The emulator serves plain HTTP on the port it was reached on.
	path := "/sql/1.0/warehouses/" + info.Id
	host, portText, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, portText = r.Host, "80"
	}
	port, _ := strconv.Atoi(portText)
	info.OdbcParams = &sql.OdbcParams{Hostname: host, Path: path, Port: port, Protocol: "http"}
	info.JdbcUrl = "jdbc:databricks://" + net.JoinHostPort(host, portText) + "/default;transportMode=http;ssl=0;AuthMech=3;httpPath=" + path + ";"
	return info
}

func (s *Server) listWarehouses(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := sql.ListWarehousesResponse{Warehouses: []sql.EndpointInfo{}}
	for _, wh := range s.warehouses {
		s.advance(wh)
		out.Warehouses = append(out.Warehouses, wh.view(r))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getWarehouse(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	wh := s.findWarehouse(r.PathValue("id"))
	var info sql.EndpointInfo
	if wh != nil {
		info = wh.view(r)
	}
	s.mu.Unlock()
	if wh == nil {
		writeWarehouseMissing(w, r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) startWarehouse(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	wh := s.findWarehouse(r.PathValue("id"))
	if wh != nil {
		s.start(wh)
	}
	s.mu.Unlock()
	if wh == nil {
		writeWarehouseMissing(w, r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) stopWarehouse(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	wh := s.findWarehouse(r.PathValue("id"))
	if wh != nil {
		wh.info.State = sql.StateStopped
		s.log.Info("stopped SQL warehouse", "id", wh.info.Id)
	}
	s.mu.Unlock()
	if wh == nil {
		writeWarehouseMissing(w, r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// writeWarehouseMissing answers for a warehouse id the workspace does not
// have, as the warehouses and statement execution APIs do.
func writeWarehouseMissing(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "SQL warehouse %s does not exist.", id)
}
