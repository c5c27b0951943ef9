storage "file" { path = "/vault/file" }
