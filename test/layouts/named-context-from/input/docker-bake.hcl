group "default" {
  targets = ["worker"]
}

target "base" {
  context = "base/"
}

target "worker" {
  context = "worker/"
  contexts = {
    base = "target:base"
  }
  tags = ["org/worker:latest"]
}
