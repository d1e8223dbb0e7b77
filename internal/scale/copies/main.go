// Command copies writes a large content tree made by the copy method
// (scale.Copies): the real articles copied under new ids, for measuring
// faqbot at thousands of articles.
//
//	go run ./internal/scale/copies -n 5040 -out /tmp/content-5040
//	faqbot reindex -content /tmp/content-5040 -data /tmp/data-5040
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"faqbot/content"
	"faqbot/internal/scale"
)

func main() {
	n := flag.Int("n", 5040, "articles in the tree (each in both languages)")
	out := flag.String("out", "", "directory to write (must not exist)")
	src := flag.String("content", "", "content tree to copy (default: the embedded content)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "copies: -out is required")
		os.Exit(2)
	}
	var from fs.FS = content.FS
	if *src != "" {
		from = os.DirFS(*src)
	}
	m, err := scale.Copies(from, *n)
	if err == nil {
		err = os.Mkdir(*out, 0o755)
	}
	for p, f := range m {
		if err != nil {
			break
		}
		dst := filepath.Join(*out, filepath.FromSlash(p))
		if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
			err = os.WriteFile(dst, f.Data, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "copies:", err)
		os.Exit(1)
	}
}
