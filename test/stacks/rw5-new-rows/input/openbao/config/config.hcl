storage "file" { path = "/openbao/file" }
