/*
Copyright 2026 The truce Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/snapshot"
)

// WhatIfReport is a SalesTarget evaluated before and after a change of
// its spec, both against the values truce observed.
type WhatIfReport struct {
	Changes []string     `json:"changes"`
	Before  TargetReport `json:"before"`
	After   TargetReport `json:"after"`
}

func newWhatIf(o *options) *cobra.Command {
	var sets []string
	var file string
	cmd := &cobra.Command{
		Use:   "what-if salestarget NAME --set FIELD=VALUE...",
		Short: "Evaluate a changed spec against the numbers truce observed; writes nothing",
		Example: `  kubectl truce what-if salestarget emea-smb --set capacity.reps=12 --set plan.salesCycleDays=45
  kubectl truce what-if st/emea-smb --set quota.revenue=1200000 -o json
  kubectl truce what-if st/emea-smb --set campaign/webinars.weight=3 -f new-campaign.yaml`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, name, err := kindAndName(args)
			if err != nil {
				return err
			}
			if kind != kindSalesTarget {
				return fmt.Errorf("what-if evaluates a salestarget: change a campaign with --set campaign/%s.FIELD=VALUE on its salestarget", name)
			}
			if len(sets) == 0 && file == "" {
				return fmt.Errorf("nothing to change: give --set FIELD=VALUE (a path in the SalesTarget's spec) or -f FILE")
			}
			changes := append([]string(nil), sets...)
			if file != "" {
				changes = append([]string{"-f " + file}, changes...)
			}
			return o.whatIf(cmd.Context(), name, parseChange(sets, file), changes)
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil,
		"FIELD=VALUE: a field of the SalesTarget's spec by its JSON path (capacity.reps=12), or of a "+
			"campaign's (campaign/NAME.weight=3); VALUE is YAML")
	cmd.Flags().StringVarP(&file, "filename", "f", "",
		"a YAML file of the changed SalesTarget and Campaigns (a Campaign of a new name is added)")
	return cmd
}

// mergePatch is the JSON merge patch that sets each FIELD=VALUE of sets in
// a spec: a.b.c=v is {"a":{"b":{"c":v}}}, and v is read as YAML, so 12 is
// a number, "12" a string and null removes the field.
func mergePatch(sets []string) ([]byte, error) {
	patch := map[string]any{}
	for _, s := range sets {
		path, raw, ok := strings.Cut(s, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("--set %q: give FIELD=VALUE", s)
		}
		path = strings.TrimPrefix(path, "spec.")
		var v any
		if err := yaml.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("--set %s: the value is not YAML: %w", path, err)
		}
		m := patch
		keys := strings.Split(path, ".")
		for i, k := range keys {
			if k == "" {
				return nil, fmt.Errorf("--set %s: empty field name in the path", path)
			}
			if i == len(keys)-1 {
				m[k] = v
				break
			}
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
	}
	return json.Marshal(patch)
}

// patched is spec with the merge patch applied, decoded strictly: a field
// the spec does not have is an error that names it.
func patched[T any](kind string, spec T, patch []byte) (T, error) {
	orig, err := json.Marshal(spec)
	if err != nil {
		return spec, err
	}
	merged, err := jsonpatch.MergePatch(orig, patch)
	if err != nil {
		return spec, err
	}
	return strictSpec[T](kind, merged)
}

// strictSpec decodes a spec's JSON, naming every field T does not have.
func strictSpec[T any](kind string, data []byte) (T, error) {
	var out T
	strict, err := sigsjson.UnmarshalStrict(data, &out)
	if err != nil {
		return out, fmt.Errorf("the changed %s spec does not decode: %w", kind, err)
	}
	if len(strict) > 0 {
		msgs := make([]string, 0, len(strict))
		for _, e := range strict {
			msgs = append(msgs, strings.Replace(e.Error(), `field "`, `field "spec.`, 1))
		}
		return out, fmt.Errorf("%s has no such field: %s", kind, strings.Join(msgs, "; "))
	}
	return out, nil
}

// whatIfChange is the change asked: --set on the target's spec, --set
// campaign/NAME.FIELD=VALUE on a campaign's, and the objects of -f.
type whatIfChange struct {
	target    []string
	campaigns map[string][]string
	// order keeps the campaigns' --set in the order given.
	order []string
	file  string
}

func parseChange(sets []string, file string) whatIfChange {
	ch := whatIfChange{campaigns: map[string][]string{}, file: file}
	for _, s := range sets {
		rest, ok := strings.CutPrefix(s, "campaign/")
		if !ok {
			rest, ok = strings.CutPrefix(s, "camp/")
		}
		if !ok {
			ch.target = append(ch.target, s)
			continue
		}
		name, set, _ := strings.Cut(rest, ".")
		if _, seen := ch.campaigns[name]; !seen {
			ch.order = append(ch.order, name)
		}
		ch.campaigns[name] = append(ch.campaigns[name], set)
	}
	return ch
}

// apply returns the target and campaigns with the change made: what -f
// holds first, then every --set. New campaigns (from -f) come last.
func (ch whatIfChange) apply(st *v1alpha1.SalesTarget, camps []v1alpha1.Campaign) (*v1alpha1.SalesTarget, []v1alpha1.Campaign, error) {
	target := st.DeepCopy()
	out := make([]v1alpha1.Campaign, len(camps))
	for i := range camps {
		camps[i].DeepCopyInto(&out[i])
	}
	if ch.file != "" {
		docs, err := readObjects(ch.file)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range docs {
			if err := d.applyTo(target, &out); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", ch.file, err)
			}
		}
	}
	if len(ch.target) > 0 {
		patch, err := mergePatch(ch.target)
		if err != nil {
			return nil, nil, err
		}
		if target.Spec, err = patched("SalesTarget", target.Spec, patch); err != nil {
			return nil, nil, err
		}
	}
	for _, name := range ch.order {
		i := slices.IndexFunc(out, func(c v1alpha1.Campaign) bool { return c.Name == name })
		if i < 0 {
			return nil, nil, fmt.Errorf("--set campaign/%s: no Campaign %q references SalesTarget %q; add one with -f", name, name, st.Name)
		}
		patch, err := mergePatch(ch.campaigns[name])
		if err != nil {
			return nil, nil, fmt.Errorf("campaign/%s: %w", name, err)
		}
		if out[i].Spec, err = patched("Campaign", out[i].Spec, patch); err != nil {
			return nil, nil, fmt.Errorf("campaign/%s: %w", name, err)
		}
	}
	return target, out, nil
}

// object is one object of -f: its kind, name and spec.
type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec json.RawMessage `json:"spec"`
}

// readObjects reads the SalesTarget and Campaigns of a YAML or JSON file,
// one or several documents.
func readObjects(file string) ([]object, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []object
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "null" {
			continue
		}
		var o object
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// applyTo puts the object's spec in place of the target's or a campaign's
// of the same name; a campaign of another name is added.
func (o object) applyTo(target *v1alpha1.SalesTarget, camps *[]v1alpha1.Campaign) error {
	switch o.Kind {
	case "SalesTarget":
		if o.Metadata.Name != target.Name {
			return fmt.Errorf("SalesTarget %q is not %q, the one asked about", o.Metadata.Name, target.Name)
		}
		spec, err := strictSpec[v1alpha1.SalesTargetSpec]("SalesTarget", o.Spec)
		if err != nil {
			return err
		}
		target.Spec = spec
	case "Campaign":
		spec, err := strictSpec[v1alpha1.CampaignSpec]("Campaign", o.Spec)
		if err != nil {
			return fmt.Errorf("Campaign %q: %w", o.Metadata.Name, err)
		}
		if spec.SalesTargetRef.Name != target.Name {
			return fmt.Errorf("Campaign %q references SalesTarget %q, not %q", o.Metadata.Name, spec.SalesTargetRef.Name, target.Name)
		}
		for i := range *camps {
			if (*camps)[i].Name == o.Metadata.Name {
				(*camps)[i].Spec = spec
				return nil
			}
		}
		c := v1alpha1.Campaign{Spec: spec}
		c.Name, c.Namespace = o.Metadata.Name, target.Namespace
		*camps = append(*camps, c)
	default:
		return fmt.Errorf("what-if changes a SalesTarget and its Campaigns, not a %q", o.Kind)
	}
	return nil
}

func (o *options) whatIf(ctx context.Context, name string, ch whatIfChange, changes []string) error {
	c, ns, err := o.client()
	if err != nil {
		return err
	}
	now, err := o.clock()
	if err != nil {
		return err
	}
	st, camps, err := getTarget(ctx, c, ns, name)
	if err != nil {
		return err
	}
	changed, changedCamps, err := ch.apply(st, camps)
	if err != nil {
		return err
	}
	if !equality.Semantic.DeepEqual(st.Spec, changed.Spec) {
		if err := refused(ctx, c, changed); err != nil {
			return err
		}
	}
	for i := range changedCamps {
		camp := &changedCamps[i]
		if i < len(camps) && equality.Semantic.DeepEqual(camps[i].Spec, camp.Spec) {
			continue
		}
		if err := refused(ctx, c, camp); err != nil {
			return fmt.Errorf("Campaign %q: %w", camp.Name, err)
		}
	}
	before, err := evaluate(st, camps, now)
	if err != nil {
		return err
	}
	after, err := evaluate(changed, changedCamps, now)
	if err != nil {
		return err
	}
	rep := WhatIfReport{Changes: changes, Before: before, After: after}
	return o.print(rep, func(w io.Writer) error { return rep.table(w) })
}

// refused runs the API server's validation (the CRD's schema and CEL
// rules, and any admission webhook) on obj with a server-side dry run:
// nothing is stored. The error says what the API would refuse.
func refused(ctx context.Context, c client.Client, obj client.Object) error {
	var err error
	if obj.GetResourceVersion() == "" {
		// A campaign -f adds: validated as created, and not stored either.
		err = c.Create(ctx, obj, client.DryRunAll)
	} else {
		err = c.Update(ctx, obj, client.DryRunAll)
	}
	switch {
	case err == nil:
		return nil
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		return fmt.Errorf("the API server would refuse this change: %w", err)
	case apierrors.IsConflict(err):
		return fmt.Errorf("%s changed while it was read; run what-if again: %w", obj.GetName(), err)
	}
	return fmt.Errorf("validating the change with a server-side dry run: %w", err)
}

// evaluate is st's report, evaluated on the values status holds.
func evaluate(st *v1alpha1.SalesTarget, camps []v1alpha1.Campaign, now time.Time) (TargetReport, error) {
	in, err := snapshot.Held(st, camps, now)
	if err != nil {
		return TargetReport{}, fmt.Errorf("SalesTarget %q: spec.period.timeZone: %w", st.Name, err)
	}
	return targetReport(st, camps, in, balance.Evaluate(in)), nil
}

// table writes before and after side by side.
func (r WhatIfReport) table(out io.Writer) error {
	b, a := r.Before, r.After
	fmt.Fprintf(out, "SalesTarget %s/%s, what if %s\n", b.Namespace, b.Name, strings.Join(r.Changes, ", "))
	fmt.Fprintf(out, "evaluated %s against the values truce observed; nothing was written\n\n", b.EvaluatedAt.Format(time.RFC3339))
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "\tBEFORE\tAFTER")
	row := func(label, before, after string) { fmt.Fprintf(w, "%s\t%s\t%s\n", label, before, after) }
	row("capacity leads/wk", num(b.Capacity.LeadsPerWeek), num(a.Capacity.LeadsPerWeek))
	row("plans for", b.Horizon.Period, a.Horizon.Period)
	row("lead weeks left", num(b.Horizon.LeadWeeksLeft), num(a.Horizon.LeadWeeksLeft))
	row("win rate %", num(b.WinRate.Value), num(a.WinRate.Value))
	row("need leads/wk", num(b.NeedLeadsPerWeek), num(a.NeedLeadsPerWeek))
	row("demand leads/wk", num(b.DemandLeadsPerWeek), num(a.DemandLeadsPerWeek))
	row("supply leads/wk", optNum(b.SupplyLeadsPerWeek), optNum(a.SupplyLeadsPerWeek))
	row("projected attainment %", optNum(b.ProjectedAttainmentPercent), optNum(a.ProjectedAttainmentPercent))
	row("verdict", b.Verdict.Reason, a.Verdict.Reason)
	for _, name := range campaignNames(b, a) {
		bs, as := share(b, name), share(a, name)
		row("campaign "+name+" share/wk", bs.share, as.share)
		row("campaign "+name+" workers", bs.workers, as.workers)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(a.DriftClasses) > 0 {
		fmt.Fprintln(out, "\nafter the change:")
		for _, d := range a.DriftClasses {
			fmt.Fprintf(out, "  %s -> %s\n", d.Reason, d.Team)
		}
	}
	return nil
}

// campaignNames are the campaigns of either report, in order.
func campaignNames(reports ...TargetReport) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range reports {
		for _, c := range r.Campaigns {
			if !seen[c.Name] {
				seen[c.Name] = true
				names = append(names, c.Name)
			}
		}
	}
	return names
}

type shareCells struct{ share, workers string }

func share(r TargetReport, name string) shareCells {
	for _, c := range r.Campaigns {
		if c.Name == name {
			s := num(c.ShareLeadsPerWeek)
			if c.AtMax {
				s += " (at max)"
			}
			return shareCells{s, fmt.Sprintf("%d of %d", c.Workers, c.MaxParallelism)}
		}
	}
	return shareCells{"-", "-"}
}
