// Package postgres is faqbot's state store on PostgreSQL, for several
// replicas sharing one state. See the package documentation below.
package postgres
