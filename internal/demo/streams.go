package demo

import (
	"math/rand/v2"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// resource is the kind of thing a usage record is billed for; it decides the
// usage_metadata keys and the identity_metadata field that names its owner.
type resource int

const (
	cluster       resource = iota // cluster_id, node_type; created_by
	jobCluster                    // job_id, job_run_id, cluster_id, node_type; run_as
	serverlessJob                 // job_id, job_run_id; run_as
	warehouse                     // warehouse_id; owned_by
	pipeline                      // dlt_pipeline_id; owned_by
	endpoint                      // endpoint_name; no identity
)

// product is a workload a category runs: what it is billed as, when it runs
// and how much of the category's spend it takes.
type product struct {
	project  string // suffix of the Project tag
	sku      string
	origin   string // billing_origin_product
	features billing.ProductFeatures
	resource resource
	pattern  pattern
	env      string  // Environment tag
	conc     float64 // records in a fully busy hour at the natural size
	share    float64 // of the category's spend
}

// The workloads every category runs (the indexes below name them).
var products = []product{
	{"exploration", SKUAllPurpose, "ALL_PURPOSE", billing.ProductFeatures{}, cluster, workHours, "DEV", 1.5, 0.26},
	{"exploration", SKUAllPurposePhoton, "ALL_PURPOSE", billing.ProductFeatures{IsPhoton: true}, cluster, workHours, "DEV", 1, 0.08},
	{"pipelines", SKUJobs, "JOBS", billing.ProductFeatures{JobsTier: "CLASSIC"}, jobCluster, nightly, "PROD", 2, 0.20},
	{"pipelines", SKUJobsPhoton, "JOBS", billing.ProductFeatures{IsPhoton: true, JobsTier: "CLASSIC"}, jobCluster, every6h, "PROD", 1, 0.07},
	{"automation", SKUJobsServerless, "JOBS", billing.ProductFeatures{IsServerless: true}, serverlessJob, businessJobs, "PROD", 1, 0.06},
	{"dashboards", SKUSQLPro, "SQL", billing.ProductFeatures{SQLTier: "PRO"}, warehouse, warehouseHours, "PROD", 1, 0.12},
	{"adhoc-sql", SKUServerlessSQL, "SQL", billing.ProductFeatures{IsServerless: true, SQLTier: "PRO"}, warehouse, bursty, "PROD", 1, 0.07},
	{"ingest", SKUDLTAdvanced, "DLT", billing.ProductFeatures{DLTTier: "ADVANCED"}, pipeline, triggered, "PROD", 1, 0.08},
	{"models", SKUModelServing, "MODEL_SERVING", billing.ProductFeatures{IsServerless: true}, endpoint, alwaysOn, "PROD", 1, 0.06},
}

const (
	pInteractive = iota
	pInteractivePhoton
	pNightlyJobs
	pPhotonJobs
	pServerlessJobs
	pSQLPro
	pServerlessSQL
	pDLT
	pServing
)

// Workspaces of the demo account.
const (
	wsProdAnalytics = "3390021187765412"
	wsProdML        = "4471203398812057"
	wsDev           = "2208817745530916"
	wsBI            = "5562091873340721"
)

// stream is one workload of one group: a fixed identity (SKU, workspace,
// owners, tags) whose hourly records the generator emits.
type stream struct {
	index     int // position in the run's stream list
	group     int
	product   *product
	pattern   pattern
	conc      float64
	share     float64 // of the group's spend; 0 for the spike
	spike     bool    // spends spikeMultiple average days on the spike day
	corrects  bool    // some of its hours are restated
	workspace string
	owners    []string            // the people behind its resources, cycled per record
	tags      []map[string]string // custom_tags per owner, shared by all their records
	prices    []priceSpan
	key       uint64   // seeds its resource ids
	nodeType  string   // node_type of classic compute
	name      string   // endpoint name, or the base of ids
	ids       []string // resource ids by record index, filled on first use
}

// tagSpec says how a stream tags its usage.
type tagSpec struct {
	category string // OperationalCategory value as written; "" = absent
	project  string
	env      string
	noOwner  bool // no Owner tag, so the owner comes from identity_metadata
	none     bool // no custom tags at all
}

func (t tagSpec) forOwner(owner string) map[string]string {
	if t.none {
		return nil
	}
	m := map[string]string{
		"Team":        "SAD",
		"CostCenter":  "ND-Analytics",
		"Environment": t.env,
		"Project":     t.project,
	}
	if t.category != "" {
		m[budget.CategoryTagKey] = t.category
	}
	if !t.noOwner {
		m[budget.OwnerTagKey] = owner
	}
	return m
}

// streamSet builds the streams of one Usage call.
type streamSet struct {
	spans   map[string][]priceSpan
	streams []stream
	names   *namePool
	// Group indexes of the buckets, after the configured categories.
	untaggedGroup, unknownGroup, unpricedGroup int
}

// add appends a stream of product p in group g, with the product's usual
// schedule, share and workspace; callers adjust the rest.
func (b *streamSet) add(g int, p *product, owners []string, tags tagSpec) *stream {
	ws := wsProdAnalytics
	switch {
	case p.env == "DEV":
		ws = wsDev
	case p.origin == "SQL":
		ws = wsBI
	}
	s := stream{
		group: g, product: p, pattern: p.pattern, conc: p.conc, share: p.share,
		workspace: ws, owners: owners, prices: b.spans[p.sku],
		index: len(b.streams), key: mix(seed + uint64(len(b.streams))), nodeType: "i3.xlarge",
		name: tags.project,
	}
	if tags.env == "" {
		tags.env = p.env
	}
	for _, o := range owners {
		s.tags = append(s.tags, tags.forOwner(o))
	}
	b.streams = append(b.streams, s)
	return &b.streams[len(b.streams)-1]
}

// variant writes a tag value the way people mistype it: "deep space
// telemetry", "Exoplanet-Research" or " exploratory_missions ".
func variant(tag string, style int) string {
	words := strings.Split(strings.ToLower(tag), "_")
	switch style {
	case 0:
		return strings.Join(words, " ")
	case 1:
		for i, w := range words {
			if w != "" {
				words[i] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		return strings.Join(words, "-")
	}
	return " " + strings.ToLower(tag) + " "
}

// memberStreams adds the workloads of the account's category i.
func (b *streamSet) memberStreams(ms []member, i int, r roles) {
	m := ms[i]
	owners := b.names.at(m.firstName, m.profile.owners)
	cast := func(casts []cast, pi int) int {
		for k, c := range casts {
			if c.product == pi && c.member(ms) == i {
				return k
			}
		}
		return -1
	}
	for pi := range products {
		p := &products[pi]
		noOwner := cast(ownerCasts, pi) >= 0
		// Not every team serves models or needs Photon for exploration,
		// unless a trap is cast on that workload.
		if !noOwner && (pi == pServing && !m.profile.serving || pi == pInteractivePhoton && !m.profile.photon) {
			continue
		}
		tags := tagSpec{category: m.tag, project: m.slug + "-" + p.project, noOwner: noOwner}
		if style := cast(variantCasts, pi); style >= 0 {
			tags.category = variant(m.tag, style)
		}
		// Rotate the owners so each workload's first resource has a
		// different person behind it.
		k := pi % len(owners)
		rotated := append(append([]string(nil), owners[k:]...), owners[:k]...)
		s := b.add(i, p, rotated, tags)
		if p.env == "PROD" && p.origin != "SQL" && (m.profile.ml || p.resource == endpoint) {
			s.workspace = wsProdML
		}
		if pi == pDLT && m.profile.continuous {
			s.pattern = continuous
		}
		s.corrects = pi == pNightlyJobs
		if len(m.nodeTypes) > 0 {
			s.nodeType = m.nodeTypes[pi%len(m.nodeTypes)]
		}
	}
	if i == r.spike {
		s := b.add(i, &products[pInteractive], owners[len(owners)-1:], tagSpec{category: m.tag, project: m.slug + "-exploration"})
		s.pattern, s.conc, s.share, s.spike = runaway, 1, 0, true
		s.name, s.nodeType = m.slug+"-runaway", "r5d.4xlarge"
	}
	if i == r.unpriced {
		// It has its own group (unpricedShare of the division), so the
		// category's priced spend stays calibrated.
		s := b.add(b.unpricedGroup, &unpricedServing, owners[:1], tagSpec{category: m.tag, project: m.slug + "-gpu-models"})
		s.workspace = wsProdML
		s.name = m.slug + "-gpu-inference"
	}
}

// bucketStreams adds the usage that attributes to no category: untagged
// (tags without OperationalCategory, and no tags at all) and tagged with
// values that match no category.
func (b *streamSet) bucketStreams() {
	first := 0
	for _, s := range scenarios {
		first += s.owners
	}
	owners := b.names.at(first, bucketOwners)
	b.add(b.untaggedGroup, &products[pInteractive], owners, tagSpec{project: "scratch"}).share = 0.6
	b.add(b.untaggedGroup, &products[pServerlessSQL], owners[1:], tagSpec{none: true}).share = 0.4
	owners = b.names.at(first+bucketOwners, bucketOwners)
	b.add(b.unknownGroup, &products[pInteractive], owners, tagSpec{category: "SANDBOX", project: "sandbox"}).share = 0.4
	b.add(b.unknownGroup, &products[pNightlyJobs], owners[1:], tagSpec{category: "TBD", project: "tbd"}).share = 0.3
	b.add(b.unknownGroup, &products[pServerlessSQL], owners[2:], tagSpec{category: "Navigation Sys", project: "nav-sys"}).share = 0.3
}

// unpricedServing is model serving on a GPU SKU newer than the price list.
var unpricedServing = product{"gpu-models", SKUUnpriced, "MODEL_SERVING", billing.ProductFeatures{IsServerless: true}, endpoint, alwaysOn, "PROD", 1, 1}

// namePool hands out distinct first.last@novadynamics.test addresses by
// slot, so every category has its own people, the same whichever others
// the division holds.
type namePool struct {
	order []int
}

var (
	firstNames = []string{"ada", "bruno", "chen", "dana", "elif", "farah", "gustavo", "hana", "ivan", "jules", "kofi", "lena", "mateo", "nadia", "oskar", "priya", "quinn", "rosa", "sven", "tara", "umar", "vera", "wei", "yusuf"}
	lastNames  = []string{"almeida", "brooks", "castillo", "dubois", "eriksen", "fischer", "garcia", "haddad", "ito", "jansen", "kowalski", "lindqvist", "moreau", "nakamura", "okafor", "petrov", "quispe", "rossi", "schmidt", "tanaka", "urbano", "varga", "weber", "zhou"}
)

func newNamePool() *namePool {
	rng := rand.New(rand.NewPCG(seed, 0x6e616d6573))
	return &namePool{order: rng.Perm(len(firstNames) * len(lastNames))}
}

// at returns the n addresses from slot first on.
func (p *namePool) at(first, n int) []string {
	out := make([]string, n)
	for i := range out {
		k := p.order[(first+i)%len(p.order)]
		out[i] = firstNames[k%len(firstNames)] + "." + lastNames[k/len(firstNames)] + "@novadynamics.test"
	}
	return out
}
