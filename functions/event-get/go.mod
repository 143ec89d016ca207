module guichet.dev/functions/event-get

go 1.26.0

require guichet.dev/shared v0.0.0

replace guichet.dev/shared => ../../shared
