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

// kubectl-truce is the kubectl plugin `kubectl truce`: it explains what a
// SalesTarget or Campaign asks and why, and evaluates a changed plan
// before anyone applies it. It evaluates with the package the controller
// evaluates with (internal/balance), fed by internal/snapshot from the
// values status holds, and writes nothing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/truce-dev/truce/api/v1alpha1"
)

func main() {
	if err := newRoot(os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// options are the flags every command shares.
type options struct {
	config *genericclioptions.ConfigFlags
	output string
	// now is when the model is evaluated; empty is the clock's time.
	now    string
	stdout io.Writer
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	o := &options{config: genericclioptions.NewConfigFlags(true), stdout: stdout}
	root := &cobra.Command{
		Use:           "kubectl-truce",
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl truce"},
		Short:         "Ask truce why it asks what it asks, and what a changed plan would ask",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	o.config.AddFlags(root.PersistentFlags())
	root.PersistentFlags().StringVarP(&o.output, "output", "o", "", "output format: yaml or json (a table when empty)")
	root.PersistentFlags().StringVar(&o.now, "now", "", "evaluate at this RFC 3339 time instead of the clock's (need moves with the days left)")

	explain := &cobra.Command{
		Use:   "explain (salestarget|campaign) NAME",
		Short: "The funnel step by step, with the numbers truce used",
		Example: `  kubectl truce explain salestarget emea-smb
  kubectl truce explain st/emea-smb -o yaml
  kubectl truce explain campaign emea-smb-linkedin`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, name, err := kindAndName(args)
			if err != nil {
				return err
			}
			switch kind {
			case kindSalesTarget:
				return o.explainSalesTarget(cmd.Context(), name)
			default:
				return o.explainCampaign(cmd.Context(), name)
			}
		},
	}
	root.AddCommand(explain)
	root.AddCommand(newWhatIf(o))
	return root
}

const (
	kindSalesTarget = "salestarget"
	kindCampaign    = "campaign"
)

// kindAndName reads `KIND NAME` or `KIND/NAME`, with kubectl's names and
// short names for the kinds.
func kindAndName(args []string) (string, string, error) {
	kind, name := args[0], ""
	if k, n, ok := strings.Cut(args[0], "/"); ok {
		if len(args) > 1 {
			return "", "", fmt.Errorf("give KIND/NAME or KIND NAME, not both")
		}
		kind, name = k, n
	} else if len(args) > 1 {
		name = args[1]
	}
	if name == "" {
		return "", "", fmt.Errorf("no name given: %s NAME", kind)
	}
	switch strings.ToLower(kind) {
	case "salestarget", "salestargets", "st", "salestarget.revops.truce.dev", "salestargets.revops.truce.dev":
		return kindSalesTarget, name, nil
	case "campaign", "campaigns", "camp", "campaign.revops.truce.dev", "campaigns.revops.truce.dev":
		return kindCampaign, name, nil
	}
	return "", "", fmt.Errorf("unknown kind %q: truce explains salestarget (st) and campaign", kind)
}

// client is a client for truce's kinds and the namespace to work in.
func (o *options) client() (client.Client, string, error) {
	cfg, err := o.config.ToRESTConfig()
	if err != nil {
		return nil, "", err
	}
	ns, _, err := o.config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, "", err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, "", err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, "", err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	return c, ns, err
}

// clock is the time to evaluate at.
func (o *options) clock() (time.Time, error) {
	if o.now == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, o.now)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now: %w", err)
	}
	return t, nil
}

// notFound says which object is missing, and where it was looked for.
func notFound(err error, kind, ns, name string) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%s %q not found in namespace %q", kind, name, ns)
	}
	return err
}

// print writes v as the output format asks, or the table.
func (o *options) print(v any, table func(io.Writer) error) error {
	switch o.output {
	case "":
		return table(o.stdout)
	case "json":
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(o.stdout, string(b))
		return err
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = o.stdout.Write(b)
		return err
	}
	return errors.New("--output must be yaml or json")
}

// campaignsOf lists the Campaigns in ns that reference target, as the
// controller's field index finds them.
func campaignsOf(ctx context.Context, c client.Client, ns, target string) ([]v1alpha1.Campaign, error) {
	var list v1alpha1.CampaignList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("listing the campaigns of SalesTarget %q: %w", target, err)
	}
	var out []v1alpha1.Campaign
	for _, camp := range list.Items {
		if camp.Spec.SalesTargetRef.Name == target {
			out = append(out, camp)
		}
	}
	return out, nil
}
