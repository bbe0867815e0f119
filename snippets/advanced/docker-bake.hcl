variable "TAG" {
  default = "1.0"
}

group "default" {
  targets = ["hello"]
}

target "hello" {
  context    = "snippets/advanced"
  dockerfile = "Dockerfile.hello"
  tags       = ["hello:${TAG}"]
}
