module brownout/tools/toxiproxy

go 1.25

require github.com/Shopify/toxiproxy/v2 v2.12.0
