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

package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/util/jsonpath"
	testingclock "k8s.io/utils/clock/testing"
)

// repeatedArray is a JSON array of n copies of elem, about n*(len(elem)+1)
// bytes.
func repeatedArray(elem string, n int) []byte {
	var b strings.Builder
	b.Grow(n * (len(elem) + 1))
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(elem)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// nested is {"a":{"a":…{"a":1}…}}, depth levels deep.
func nested(depth int) []byte {
	return []byte(strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth))
}

func TestADocumentThatDecodesPastItsBudgetIsRefused(t *testing.T) {
	// Four MiB of empty objects: within the largest maxResponseBytes, and
	// the shape that decodes to the most memory per byte.
	doc := repeatedArray("{}", (4<<20)/3-1)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(doc)
	}))
	src, err := NewHTTP(srv.URL, 5*time.Second, 4<<20, Auth{}, loopback)
	if err != nil {
		t.Fatal(err)
	}
	reader := NewReader(testingclock.NewFakeClock(time.Now()), 0, nil)
	_, err = reader.Read(context.Background(), src, "{[0]}", Vars{}, time.Minute)
	checkAnswer(t, 0, err, 0, BadResponse)
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("%d bytes", len(doc))) || !strings.Contains(msg, "decode") {
		t.Fatalf("the error should say the document's size and that it decodes too large: %v", err)
	}
}

func TestTheCacheCountsWhatADecodedDocumentTakes(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  []byte
	}{
		{"an array of small numbers", repeatedArray("7", 1<<19)},
		{"an array of small objects", repeatedArray(`{"name":"campaign","leads":{"week":120,"qualified":"46"}}`, 1<<14)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			d := newJSONDoc(c.doc)
			if _, err := extractJSON(context.Background(), d, "{[0]}"); err != nil && KindOf(err) != NotANumber {
				t.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			took := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			counted := d.Size()
			runtime.KeepAlive(d)
			t.Logf("a %d-byte document takes %d bytes of heap decoded; the cache counts %d", len(c.doc), took, counted)
			if counted < took {
				t.Fatalf("the cache counts %d bytes for a document that takes %d", counted, took)
			}
			if counted > 3*took {
				t.Fatalf("the cache counts %d bytes for a document that takes %d: more than three times over", counted, took)
			}
		})
	}
}

func TestDecodingWaitsWithinTheManagerWideBound(t *testing.T) {
	// Other documents take the whole bound.
	if err := decoding.Acquire(context.Background(), DecodingBytes); err != nil {
		t.Fatal(err)
	}
	doc := newJSONDoc([]byte(`{"leads":7}`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := extractJSON(ctx, doc, "{.leads}")
	checkAnswer(t, 0, err, 0, TimedOut)
	if got := doc.Size(); got != int64(len(`{"leads":7}`)) {
		t.Fatalf("a document that waited counts %d bytes, want its raw size: it is not decoded", got)
	}
	decoding.Release(DecodingBytes)
	v, err := extractJSON(context.Background(), doc, "{.leads}")
	checkAnswer(t, v, err, 7, "")
}

func TestAJSONPathStopsAtItsDeadline(t *testing.T) {
	doc := newJSONDoc(nested(60))
	if _, err := doc.decoded(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := extractJSON(ctx, doc, "{..a..a..a..b}")
	checkAnswer(t, 0, err, 0, TimedOut)
	if !strings.Contains(err.Error(), "JSONPath was still running") {
		t.Fatalf("the error should say the path ran past the deadline: %v", err)
	}
}

// runBounded runs f and fails the test if it has not returned within
// limit: the code under test may never return.
func runBounded(t *testing.T, limit time.Duration, f func()) time.Duration {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(limit):
		t.Fatalf("still running after %s", limit)
		return 0
	}
}

func TestRecursiveDescentIsBounded(t *testing.T) {
	doc := nested(60)
	// The paths end in a key the document does not have, so the whole
	// product is walked.
	for _, q := range []string{"{..a..a..a..a..b}", "{..a..a..a..a..a..a..a..b}"} {
		var err error
		took := runBounded(t, 10*time.Second, func() {
			_, err = extractJSON(context.Background(), newJSONDoc(doc), q)
		})
		t.Logf("%s on a document %d deep: %v after %s", q, 60, err, took)
		checkAnswer(t, 0, err, 0, BadQuery)
		if !strings.Contains(err.Error(), "steps") {
			t.Fatalf("the error should say the query takes too many steps: %v", err)
		}
	}
}

// panickingSource is a source whose extraction panics.
type panickingSource struct{ Source }

func (panickingSource) Key() string                { return "panics" }
func (panickingSource) RequestKey(q string) string { return q }
func (panickingSource) Fetch(context.Context, string) (any, error) {
	return "a response", nil
}
func (panickingSource) Extract(context.Context, any, string) (float64, error) {
	panic("the extraction broke")
}

func TestAnExtractionThatPanicsIsAnError(t *testing.T) {
	reader := NewReader(testingclock.NewFakeClock(time.Now()), 0, nil)
	_, err := reader.Read(context.Background(), panickingSource{}, "q", Vars{}, time.Minute)
	checkAnswer(t, 0, err, 0, BadQuery)
}

func TestFiltersCompareNumbersOnly(t *testing.T) {
	doc := []byte(`{"users":[{"name":"root","token":"s3cret-token","n":5}],"campaigns":[{"name":"spring","leads":120},{"name":"autumn","leads":80}]}`)
	cases := []struct {
		name, query string
		want        float64
		kind        ErrorKind
	}{
		{"a string ordered below a guess is not a number", `{.users[?(@.token<"t")].n}`, 0, NotANumber},
		{"a string ordered above a guess is not a number", `{.users[?(@.token>"t")].n}`, 0, NotANumber},
		{"a string at or below a guess is not a number", `{.users[?(@.token<="t")].n}`, 0, NotANumber},
		{"a guess ordered against a string is not a number", `{.users[?(@.n>=@.token)].n}`, 0, NotANumber},
		{"numbers compare", `{.campaigns[?(@.leads>100)].leads}`, 120, ""},
		{"numbers compare with decimals", `{.campaigns[?(@.leads<=80.5)].leads}`, 80, ""},
		{"a name selects by equality", `{.campaigns[?(@.name=="autumn")].leads}`, 80, ""},
		{"a name selects by inequality", `{.campaigns[?(@.name!="autumn")].leads}`, 120, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := extractJSON(context.Background(), newJSONDoc(doc), c.query)
			checkAnswer(t, got, err, c.want, c.kind)
		})
	}
}

func TestNotANumberSaysNothingOfTheString(t *testing.T) {
	doc := []byte(`{"token":"s3cret-token","big":1e400}`)
	for _, q := range []string{"{.token}", "{.big}"} {
		_, err := extractJSON(context.Background(), newJSONDoc(doc), q)
		checkAnswer(t, 0, err, 0, NotANumber)
		if msg := err.Error(); strings.ContainsAny(msg, "0123456789") {
			t.Fatalf("%s: the error states a size: %v", q, err)
		}
	}
}

// largestDocuments are the documents that take the most memory among those
// truce reads: the largest maxResponseBytes of ordinary objects, and one of
// small numbers that decodes to just under MaxDecodedBytes.
func largestDocuments() []struct {
	name string
	doc  []byte
} {
	campaign := `{"name":"team-a/campaign-00000","leads":{"week":120,"qualified":"46"},"won":{"deals":3,"revenue":90000}}`
	return []struct {
		name string
		doc  []byte
	}{
		{"4 MiB of campaign reports", repeatedArray(campaign, MaxResponseBytes/(len(campaign)+1)-1)},
		{"small numbers to the decoded bound", repeatedArray("7", MaxDecodedBytes/36)},
	}
}

// decodeHeap decodes raw and reads a path, and says what it kept on the
// heap, what it allocated on the way, and what the cache counts for it.
func decodeHeap(raw []byte) (retained, allocatedBytes, counted int64, err error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := newJSONDoc(raw)
	if _, err := extractJSON(context.Background(), d, "{[0].leads.week}"); err != nil && KindOf(err) != EmptyResult {
		return 0, 0, 0, err
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	counted = d.Size()
	runtime.KeepAlive(d)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc), int64(after.TotalAlloc - before.TotalAlloc), counted, nil
}

func TestTheLargestAllowedDocumentsFitTheManager(t *testing.T) {
	for _, c := range largestDocuments() {
		t.Run(c.name, func(t *testing.T) {
			retained, alloc, counted, err := decodeHeap(c.doc)
			if err != nil {
				t.Fatalf("a document truce should read is refused: %v", err)
			}
			t.Logf("a %.1f MiB document keeps %.1f MiB of heap decoded (the cache counts %.1f MiB) and allocates %.1f MiB on the way",
				mib(int64(len(c.doc))), mib(retained), mib(counted), mib(alloc))
			if retained > MaxDecodedBytes*11/10 {
				t.Fatalf("it keeps %d bytes, over the bound of %d", retained, MaxDecodedBytes)
			}
			if counted < retained {
				t.Fatalf("the cache counts %d bytes for %d kept", counted, retained)
			}
		})
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// TestJSONPathSelectsWhatClientGoSelects compares truce's evaluation of
// paths with client-go's own, on a document decoded by encoding/json. The
// filters compare with decimals: client-go cannot compare a JSON number
// with an integer literal, which truce can.
func TestJSONPathSelectsWhatClientGoSelects(t *testing.T) {
	doc := `{"campaigns":[{"name":"spring","leads":{"week":120,"qualified":46}},{"name":"autumn","leads":{"week":80}}],"won":{"deals":3,"revenue":90000},"flag":true,"nothing":null,"empty":[]}`
	var tree any
	if err := json.Unmarshal([]byte(doc), &tree); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"{.won.deals}", "{$.won.revenue}", "{.campaigns[0].leads.week}", "{.campaigns[-1].leads.week}",
		"{.campaigns[1:].leads.week}", "{.campaigns[0:2].leads.week}", "{.campaigns[::2].leads.week}",
		"{.campaigns[*].leads.qualified}", "{.campaigns[0,1].leads.week}", "{.won['deals','revenue']}",
		"{..week}", "{..qualified}", "{.campaigns[?(@.leads.qualified)].leads.week}",
		"{.campaigns[?(@.leads.week>100.5)].leads.week}", "{.campaigns[?(@.leads.week<=80.0)].leads.week}",
		"{.campaigns[?(@.name=='autumn')].leads.week}", "{.won.*}", "{.missing}", "{.campaigns[5].leads}",
		"{.empty[*]}", "{.won.deals}{.won.revenue}",
	} {
		t.Run(q, func(t *testing.T) {
			jp := jsonpath.New("want").AllowMissingKeys(true)
			if err := jp.Parse(q); err != nil {
				t.Fatal(err)
			}
			var want []float64
			if results, err := jp.FindResults(tree); err == nil {
				for _, r := range results {
					for _, v := range r {
						if f, ok := v.Interface().(float64); ok {
							want = append(want, f)
						}
					}
				}
			}
			parsed, err := compileJSONPath(q)
			if err != nil {
				t.Fatal(err)
			}
			d := newJSONDoc([]byte(doc))
			got, err := d.decoded(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var have []float64
			if err := evalJSONPath(context.Background(), parsed, got, func(x any) error {
				if f, ok := x.(float64); ok {
					have = append(have, f)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			slices.Sort(want)
			slices.Sort(have)
			if !slices.Equal(have, want) {
				t.Fatalf("truce selects %v, client-go %v", have, want)
			}
		})
	}
}
