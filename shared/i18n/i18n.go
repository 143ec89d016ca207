// Package i18n translates Guichet's messages into English and French from the
// embedded message files, and negotiates the language of a request.
package i18n

import (
	"embed"
	"fmt"
	"sort"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Lang is a supported language.
type Lang string

// The supported languages; English is the default.
const (
	EN Lang = "en"
	FR Lang = "fr"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{EN, FR}

//go:embed locales/*.toml
var files embed.FS

var tags = []language.Tag{language.English, language.French}

var matcher = language.NewMatcher(tags)

type catalog struct {
	bundle     *goi18n.Bundle
	localizers map[Lang]*goi18n.Localizer
	ids        map[Lang][]string
}

var load = sync.OnceValue(func() *catalog {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalog{bundle: b, localizers: map[Lang]*goi18n.Localizer{}, ids: map[Lang][]string{}}
	for _, l := range Langs {
		mf, err := b.LoadMessageFileFS(files, "locales/"+string(l)+".toml")
		if err != nil {
			panic(fmt.Sprintf("i18n: embedded %s messages: %v", l, err))
		}
		for _, m := range mf.Messages {
			c.ids[l] = append(c.ids[l], m.ID)
		}
		sort.Strings(c.ids[l])
		c.localizers[l] = goi18n.NewLocalizer(b, string(l))
	}
	return c
})

// Parse returns the supported language named s ("en", "fr"), if it is one.
func Parse(s string) (Lang, bool) {
	for _, l := range Langs {
		if string(l) == s {
			return l, true
		}
	}
	return "", false
}

// Negotiate picks a language from an Accept-Language header, honouring
// q-values. ok is false when the header names no supported language, so the
// caller can fall back to the user's own language.
func Negotiate(acceptLanguage string) (lang Lang, ok bool) {
	if acceptLanguage == "" || len(acceptLanguage) > 1000 {
		return EN, false
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return EN, false
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return EN, false
	}
	return Langs[i], true
}

// T renders message id in lang with data. A missing id renders as the id
// itself; TestEveryMessageIDIsTranslated keeps that from shipping.
func T(lang Lang, id string, data map[string]any) string {
	c := load()
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[EN]
	}
	s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Has reports whether id is translated in lang.
func Has(lang Lang, id string) bool {
	ids := load().ids[lang]
	i := sort.SearchStrings(ids, id)
	return i < len(ids) && ids[i] == id
}

// IDs returns the message ids of lang, sorted.
func IDs(lang Lang) []string { return append([]string(nil), load().ids[lang]...) }
