//go:build e2e

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

package e2e

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the tenant guard", func() {
	It("refuses, in kubectl's output, a Campaign whose author may not create Jobs, and takes it from one who may", func() {
		kubectl("apply", "-f", "testdata/tenant-rbac.yaml")
		DeferCleanup(func() { kubectl("delete", "namespace", "tenancy-e2e", "--wait=false") })

		// The policy is loaded a moment after it is created: wait for it with
		// server-side dry runs, which go through admission and store nothing.
		Eventually(func() error {
			_, err := cluster.Kubectl(ctx, "--as=tenant", "-n", "tenancy-e2e", "apply", "--dry-run=server", "-f", "testdata/tenant-campaign.yaml")
			return err
		}).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(MatchError(ContainSubstring("ValidatingAdmissionPolicy")))

		By("applying as a user with Campaign rights only")
		out, err := cluster.Kubectl(ctx, "--as=tenant", "-n", "tenancy-e2e", "apply", "-f", "testdata/tenant-campaign.yaml")
		Expect(err).To(HaveOccurred(), "kubectl accepted the Campaign: %s", out)
		Expect(out).To(ContainSubstring("spec.outreach.jobTemplate: you may not create Jobs in namespace tenancy-e2e"))
		GinkgoWriter.Printf("kubectl --as=tenant said: %s\n", out)

		By("applying as a user who may create Jobs")
		out, err = cluster.Kubectl(ctx, "--as=operator", "-n", "tenancy-e2e", "apply", "-f", "testdata/tenant-campaign.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("campaign.revops.truce.dev/tenant-outreach created"))
	})
})
