package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"unsafe"

	"faqbot/kb"
)

// What a search reads (postings.go, compact.go) is derived from Bleve's
// index and the articles: at 5,000 articles a minute of work and two
// gigabytes at every start. It is derived once, when a generation is built,
// and stored beside the Bleve index in one file, searchFile; an open loads
// it in a few reads instead.
//
// The file (little-endian):
//
//	magic "faqbsrch" | version u32 | crc u32 | length u64 | payload
//
// crc is the CRC-32C (Castagnoli) of the payload, length its size. The
// payload starts with the content hash the data was derived from, then per
// language (kb.Languages order) its article statistics, compact sets and
// postings, then the Latin word counts (typo.go). Arrays are stored raw,
// each 8-byte aligned in the file, and the loaded index points into the
// one buffer the file is read into: no array is copied or decoded, only the
// maps (term → postings, token → id, article → sets) are made.
//
// A file is stale, and derived again from Bleve and rewritten, when its
// version is not searchVersion, its content hash is not the knowledge
// base's, its checksum fails, a number in it is out of range, or its
// document counts are not Bleve's.
// Bump searchVersion whenever what is derived changes: the analyzer, the
// BM25 base score, the compact layout, the document ids.
const (
	searchFile    = "search.bin"
	searchMagic   = "faqbsrch"
	searchVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// littleEndian: the arrays are stored as this machine lays them out; a
// big-endian machine derives instead of loading.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// errStale says a stored file does not belong to this index.
var errStale = errors.New("stale")

// writeSearch stores what ix's searches read at path, for the content
// hash hash: written to a temporary file, synced, then renamed, so path is
// either absent or whole.
func writeSearch(path string, ix *Index, hash string) error {
	if !littleEndian {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".search-*.tmp") // concurrent writers each have their own
	if err != nil {
		return fmt.Errorf("store search data: %w", err)
	}
	tmp := f.Name()
	// The payload is streamed after room for the header, which is written
	// last, once its checksum and length are known.
	e := encoder{w: bufio.NewWriterSize(f, 1<<20)}
	e.w.Write(make([]byte, 24))
	e.str(hash)
	for _, lang := range kb.Languages {
		st, p := ix.langs[lang], ix.postings[lang]
		if st == nil || p == nil {
			f.Close()
			os.Remove(tmp)
			return fmt.Errorf("store %s: no data for %s", path, lang)
		}
		e.str(lang)
		e.u64(uint64(st.n))
		e.f64(st.unknown)
		encodeCompact(&e, st.compact)
		encodePostings(&e, p)
	}
	e.u64(uint64(len(ix.vocab)))
	for w, n := range ix.vocab {
		e.str(w)
		e.u64(uint64(n))
	}
	head := make([]byte, 24)
	copy(head, searchMagic)
	binary.LittleEndian.PutUint32(head[8:], searchVersion)
	binary.LittleEndian.PutUint32(head[12:], e.crc)
	binary.LittleEndian.PutUint64(head[16:], uint64(e.n))
	err = e.w.Flush()
	if err == nil {
		_, err = f.WriteAt(head, 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store search data: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func encodeCompact(e *encoder, c *compactStats) {
	vocab := make([]string, len(c.vocab))
	for t, id := range c.vocab {
		vocab[id] = t
	}
	e.strs(vocab)
	e.i32s(c.df)
	e.f64s(c.idf)
	e.u64(uint64(len(c.syn)))
	for _, g := range c.syn {
		e.u64(uint64(len(g)))
		for _, t := range g {
			e.i32s(t)
		}
	}
	e.u64(uint64(len(c.synClauses)))
	for _, cl := range c.synClauses {
		e.strs(cl)
	}
	arts := make([]string, len(c.arts))
	for id, a := range c.arts {
		arts[a.ord] = id
	}
	e.u64(uint64(len(arts)))
	for _, id := range arts {
		a := c.arts[id]
		e.str(id)
		e.u64(uint64(a.words))
		e.u64(uint64(a.units))
		e.i32s(a.ids)
		e.u64s(a.masks)
		e.f64s(a.phrasings)
	}
	e.u64(uint64(len(c.occ)))
	for _, o := range c.occ {
		e.i32s(unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(o))), 2*len(o)))
	}
}

func encodePostings(e *encoder, p *postings) {
	e.u64(p.docCount)
	e.strs(p.ids)
	e.u64(uint64(len(p.terms)))
	for t, tp := range p.terms {
		e.str(t)
		e.u64(tp.count)
		e.u32s(tp.doc)
		e.f64s(tp.base)
	}
}

// loadSearch reads the file at path into ix (its langs, postings and
// vocab) if it holds the data of hash; errStale (wrapped) if it does not.
func loadSearch(path string, ix *Index, hash string) error {
	if !littleEndian {
		return fmt.Errorf("%w: big-endian machine", errStale)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 24)
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("%w: %s: short header", errStale, path)
	}
	if string(head[:8]) != searchMagic || binary.LittleEndian.Uint32(head[8:]) != searchVersion {
		return fmt.Errorf("%w: %s: not version %d", errStale, path, searchVersion)
	}
	sum, n := binary.LittleEndian.Uint32(head[12:]), binary.LittleEndian.Uint64(head[16:])
	if fi, err := f.Stat(); err != nil || uint64(fi.Size()) != 24+n {
		return fmt.Errorf("%w: %s: truncated", errStale, path)
	}
	// One buffer, 8-byte aligned, that the arrays point into.
	words := make([]uint64, (n+7)/8)
	buf := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(words)*8)[:n]
	if _, err := io.ReadFull(f, buf); err != nil {
		return fmt.Errorf("%w: %s: %v", errStale, path, err)
	}
	if crc32.Checksum(buf, castagnoli) != sum {
		return fmt.Errorf("%w: %s: checksum", errStale, path)
	}
	d := &decoder{b: buf}
	if h := d.str(); h != hash {
		return fmt.Errorf("%w: %s: built from other content", errStale, path)
	}
	langs, posts := map[string]*langStats{}, map[string]*postings{}
	for range kb.Languages {
		lang := d.str()
		st := &langStats{n: int(d.u64()), unknown: d.f64()}
		st.compact = decodeCompact(d)
		p := decodePostings(d)
		if d.err != nil {
			break
		}
		st.df, st.weight = make(map[string]int, len(st.compact.vocab)), make(map[string]float64, len(st.compact.vocab))
		for t, id := range st.compact.vocab {
			if df := st.compact.df[id]; df > 0 {
				st.df[t], st.weight[t] = int(df), st.compact.idf[id]
			}
		}
		langs[lang], posts[lang] = st, p
	}
	vocab := map[string]int{}
	for range d.len(12) {
		w := d.str()
		vocab[w] = int(d.u64())
	}
	if d.err == nil && d.off != len(d.b) {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return fmt.Errorf("%w: %s: %v", errStale, path, d.err)
	}
	for _, lang := range kb.Languages {
		if langs[lang] == nil {
			return fmt.Errorf("%w: %s: no %s data", errStale, path, lang)
		}
	}
	ix.langs, ix.postings, ix.vocab = langs, posts, vocab
	return nil
}

func decodeCompact(d *decoder) *compactStats {
	c := &compactStats{}
	vocab := d.strs()
	c.vocab = make(map[string]int32, len(vocab))
	for id, t := range vocab {
		c.vocab[t] = int32(id)
	}
	c.df, c.idf = d.i32s(), d.f64s()
	if len(c.df) != len(vocab) || len(c.idf) != len(vocab) {
		d.fail("vocabulary sizes")
		return c
	}
	c.syn = make([][][]int32, d.len(8))
	for g := range c.syn {
		c.syn[g] = make([][]int32, d.len(8))
		for i := range c.syn[g] {
			c.syn[g][i] = d.i32s()
		}
	}
	c.synClauses = make([][]string, d.len(8))
	for i := range c.synClauses {
		c.synClauses[i] = d.strs()
	}
	n := d.len(40)
	c.arts = make(map[string]*artData, n)
	for ord := range n {
		id := d.str()
		a := &artData{ord: int32(ord), words: int(d.u64()), units: int(d.u64())}
		a.ids, a.masks, a.phrasings = d.i32s(), d.u64s(), d.f64s()
		if len(a.masks) != len(a.ids)*a.words {
			d.fail("masks")
			return c
		}
		c.arts[id] = a
	}
	c.occ = make([][]occurrence, d.len(8))
	for i := range c.occ {
		pairs := d.i32s()
		c.occ[i] = unsafe.Slice((*occurrence)(unsafe.Pointer(unsafe.SliceData(pairs))), len(pairs)/2)
	}
	if d.err == nil && !c.valid() {
		d.fail("token ids")
	}
	return c
}

// valid checks that every id the compact sets hold is in range, so a
// search cannot index out of bounds whatever a file held: token ids in the
// vocabulary and each article's sorted, occurrence lists one per token and
// naming real rows.
func (c *compactStats) valid() bool {
	n := int32(len(c.vocab))
	if len(c.occ) != len(c.vocab) {
		return false
	}
	byOrd := make([]*artData, len(c.arts))
	for _, a := range c.arts {
		if a.ord < 0 || int(a.ord) >= len(byOrd) || byOrd[a.ord] != nil || a.words < 1 ||
			a.words != (partUnit+a.units+63)/64 || len(a.phrasings) > a.units {
			return false
		}
		byOrd[a.ord] = a
		for k, id := range a.ids {
			if id < 0 || id >= n || (k > 0 && id <= a.ids[k-1]) {
				return false
			}
		}
	}
	for tid, os := range c.occ {
		for _, o := range os {
			if o.art < 0 || int(o.art) >= len(byOrd) || o.row < 0 || int(o.row) >= len(byOrd[o.art].ids) ||
				byOrd[o.art].ids[o.row] != int32(tid) {
				return false
			}
		}
	}
	for _, g := range c.syn {
		for _, t := range g {
			for _, id := range t {
				if id < 0 || id >= n {
					return false
				}
			}
		}
	}
	return true
}

func decodePostings(d *decoder) *postings {
	p := &postings{docCount: d.u64(), ids: d.strs()}
	p.refs = make([]docRef, len(p.ids))
	for n, id := range p.ids {
		ref := &p.refs[n]
		ref.art, ref.kind, ref.i, ref.ok = parseDocID(id)
	}
	n := d.len(28)
	p.terms = make(map[string]*termPostings, n)
	tps := make([]termPostings, n) // one allocation for every term
	for i := range n {
		t := d.str()
		tp := &tps[i]
		tp.count, tp.doc, tp.base = d.u64(), d.u32s(), d.f64s()
		if len(tp.doc) != len(tp.base) || !ascending(tp.doc, len(p.ids)) {
			d.fail("postings")
			return p
		}
		p.terms[t] = tp
	}
	return p
}

// ascending reports whether the document numbers rise strictly and stay
// below n (a search indexes its sums by them).
func ascending(doc []uint32, n int) bool {
	for j, x := range doc {
		if int64(x) >= int64(n) || (j > 0 && x <= doc[j-1]) {
			return false
		}
	}
	return true
}

// encoder writes values, arrays 8-byte aligned in the payload, and keeps
// the payload's length and checksum. Write errors surface at Flush.
type encoder struct {
	w   *bufio.Writer
	n   int
	crc uint32
	buf [8]byte
}

func (e *encoder) write(b []byte) {
	e.w.Write(b)
	e.n += len(b)
	e.crc = crc32.Update(e.crc, castagnoli, b)
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:], v)
	e.write(e.buf[:])
}

func (e *encoder) f64(v float64) { e.u64(*(*uint64)(unsafe.Pointer(&v))) }

func (e *encoder) str(s string) {
	binary.LittleEndian.PutUint32(e.buf[:4], uint32(len(s)))
	e.write(e.buf[:4])
	e.write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

func (e *encoder) strs(ss []string) {
	e.u64(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// raw writes n elements of size bytes at p, as this machine lays them out.
func (e *encoder) raw(p unsafe.Pointer, n, size int) {
	e.u64(uint64(n))
	if pad := -e.n & 7; pad > 0 {
		clear(e.buf[:])
		e.write(e.buf[:pad])
	}
	if n > 0 {
		e.write(unsafe.Slice((*byte)(p), n*size))
	}
}

func (e *encoder) i32s(v []int32)   { e.raw(unsafe.Pointer(unsafe.SliceData(v)), len(v), 4) }
func (e *encoder) u32s(v []uint32)  { e.raw(unsafe.Pointer(unsafe.SliceData(v)), len(v), 4) }
func (e *encoder) u64s(v []uint64)  { e.raw(unsafe.Pointer(unsafe.SliceData(v)), len(v), 8) }
func (e *encoder) f64s(v []float64) { e.raw(unsafe.Pointer(unsafe.SliceData(v)), len(v), 8) }

// decoder reads what encoder wrote from an 8-byte aligned buffer; strings
// and arrays point into it. After the first error it returns zero values.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("bad %s at byte %d", what, d.off)
	}
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b)-d.off {
		d.fail("length")
		return nil
	}
	s := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return s
}

func (d *decoder) u64() uint64 {
	if s := d.take(8); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

func (d *decoder) f64() float64 {
	v := d.u64()
	return *(*float64)(unsafe.Pointer(&v))
}

// len reads a count of items at least min bytes each, checked against
// what is left.
func (d *decoder) len(min int) int {
	n := d.u64()
	if n > uint64(len(d.b)-d.off)/uint64(min) {
		d.fail("count")
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	s := d.take(4)
	if s == nil {
		return ""
	}
	b := d.take(int(binary.LittleEndian.Uint32(s)))
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (d *decoder) strs() []string {
	ss := make([]string, d.len(4))
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

// raw returns the next array of elements of size bytes.
func (d *decoder) raw(size int) (unsafe.Pointer, int) {
	n := d.u64()
	if d.err != nil || n > uint64(len(d.b)-d.off)/uint64(size) {
		d.fail("array")
		return nil, 0
	}
	d.off = (d.off + 7) &^ 7
	b := d.take(int(n) * size)
	if n == 0 || b == nil {
		return nil, 0
	}
	return unsafe.Pointer(&b[0]), int(n)
}

func (d *decoder) i32s() []int32 {
	p, n := d.raw(4)
	return unsafe.Slice((*int32)(p), n)
}

func (d *decoder) u32s() []uint32 {
	p, n := d.raw(4)
	return unsafe.Slice((*uint32)(p), n)
}

func (d *decoder) u64s() []uint64 {
	p, n := d.raw(8)
	return unsafe.Slice((*uint64)(p), n)
}

func (d *decoder) f64s() []float64 {
	p, n := d.raw(8)
	return unsafe.Slice((*float64)(p), n)
}
