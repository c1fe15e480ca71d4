module brownout/holder

go 1.22
