import { describe, expect, it } from 'vitest';
import { parseImageRef } from '../src/parse/image-ref.js';
import { IMAGE_ROWS, distroFromShell, lookupImage, type ImageFacts } from '../src/knowledge/images.js';

const look = (ref: string) => lookupImage(parseImageRef(ref));
const SHA = 'sha256:' + 'b'.repeat(64);

const NODE = { name: 'node', uid: 1000, gid: 1000 };
const UBUNTU = { name: 'ubuntu', uid: 1000, gid: 1000 };
const APP = { name: 'app', uid: 1654, gid: 1654 };
const NONROOT = { name: 'nonroot', uid: 65532, gid: 65532 };
const NONROOT_HOME = { ...NONROOT, home: '/home/nonroot' };
const PG_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];
/** find-and-chown over folders only the server's user may open, then gosu (mysql, mariadb, mongo). */
const PRIVATE_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'];
const GOSU_CAPS = ['CHOWN', 'SETGID', 'SETUID'];
const MASTER_CAPS = ['SETGID', 'SETUID'];
const WP_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];

// [reference, expected facts]. `existingUser: undefined` asserts there is none.
const CASES: [string, Partial<ImageFacts>][] = [
  // node: user node on both distros
  ['node:22', { family: 'node', distro: 'debian', existingUser: NODE, defaultUser: 'root' }],
  ['node', { family: 'node', distro: 'debian', existingUser: NODE }],
  ['node:22-alpine', { family: 'node', distro: 'alpine', existingUser: NODE }],
  ['node:22-alpine3.20', { distro: 'alpine', existingUser: NODE }],
  ['node:22-bookworm-slim', { distro: 'debian', existingUser: NODE }],
  ['node:lts-slim', { distro: 'debian' }],
  // node 1000:1000 from nodejs/docker-node 4a722c29 (2016-11-23): the versions current then (0.12.17, 4.6.2, 6.9.1, 7.1.0) on.
  ['node:6.9.0', { family: 'node', distro: 'debian', existingUser: undefined }],
  ['node:6.9.1', { existingUser: NODE }],
  ['node:6.9', { existingUser: NODE }],
  ['node:6.8-slim', { distro: 'debian', existingUser: undefined }],
  ['node:4.6.1-alpine', { distro: 'alpine', existingUser: undefined }],
  ['node:4.6.2-wheezy', { existingUser: NODE }],
  ['node:4.4.7', { existingUser: undefined }],
  ['node:4', { existingUser: NODE }],
  ['node:5.12.0', { existingUser: undefined }],
  ['node:5', { existingUser: undefined }],
  ['node:7.0.0-onbuild', { existingUser: undefined }],
  ['node:7.0', { existingUser: undefined }],
  ['node:7.1.0', { existingUser: NODE }],
  ['node:7', { existingUser: NODE }],
  ['node:0.10.48', { existingUser: undefined }],
  ['node:0.12.16', { existingUser: undefined }],
  ['node:0.12.17', { existingUser: NODE }],
  ['node:0.12', { existingUser: NODE }],
  ['node:boron', { existingUser: NODE }],
  ['node:8.0.0-alpine', { distro: 'alpine', existingUser: NODE }],
  ['node:16.20.2-bullseye-slim', { distro: 'debian', existingUser: NODE }],
  ['docker.io/library/node:20', { family: 'node', distro: 'debian' }],
  ['public.ecr.aws/docker/library/node:20-alpine', { family: 'node', distro: 'alpine', existingUser: NODE }],
  ['registry:5000/library/node:20', { family: 'node', existingUser: NODE }],
  ['registry:5000/node:20-alpine', { family: 'node', distro: 'alpine' }],
  // ubuntu: user ubuntu from 23.04 on
  ['ubuntu:24.04', { family: 'ubuntu', distro: 'ubuntu', existingUser: UBUNTU }],
  ['ubuntu:noble', { existingUser: UBUNTU }],
  ['ubuntu:noble-20240423', { existingUser: UBUNTU }],
  ['ubuntu:latest', { existingUser: UBUNTU }],
  ['ubuntu', { existingUser: UBUNTU }],
  ['ubuntu:rolling', { existingUser: UBUNTU }],
  ['ubuntu:23.04', { existingUser: UBUNTU }],
  ['ubuntu:lunar', { existingUser: UBUNTU }],
  ['ubuntu:25.10', { existingUser: UBUNTU }],
  ['ubuntu:22.04', { distro: 'ubuntu', existingUser: undefined, uncertain: undefined }],
  ['ubuntu:jammy', { existingUser: undefined, uncertain: undefined }],
  ['ubuntu:22.10', { existingUser: undefined }],
  ['ubuntu:20.04', { existingUser: undefined }],
  ['ubuntu:focal', { existingUser: undefined }],
  ['ubuntu:bionic', { existingUser: undefined }],
  // debian, python, golang, rust, ruby: no user to reuse
  ['debian:bookworm-slim', { family: 'debian', distro: 'debian', existingUser: undefined }],
  ['debian', { family: 'debian', distro: 'debian' }],
  ['bitnami/minideb:bookworm', { family: 'debian', distro: 'debian', defaultUser: 'root', nonRootByDefault: false }],
  ['python:3.12', { family: 'python', distro: 'debian', existingUser: undefined }],
  ['python:3.12-slim', { family: 'python', distro: 'debian' }],
  ['python:3.12-slim-bookworm', { distro: 'debian' }],
  ['python:3.12-bookworm', { distro: 'debian' }],
  ['python:3.12-alpine', { family: 'python', distro: 'alpine' }],
  ['python:3.13-alpine3.21', { distro: 'alpine' }],
  ['golang:1.23', { family: 'golang', distro: 'debian' }],
  ['golang:1.23-alpine', { family: 'golang', distro: 'alpine' }],
  ['golang:1.23-bookworm', { distro: 'debian' }],
  ['rust:1.82', { family: 'rust', distro: 'debian' }],
  ['rust:1.82-slim', { distro: 'debian' }],
  ['rust:1-alpine', { family: 'rust', distro: 'alpine' }],
  ['ruby:3.3', { family: 'ruby', distro: 'debian' }],
  ['ruby:3.3-alpine', { family: 'ruby', distro: 'alpine' }],
  // php: www-data is not a reuse target; apache's master drops to www-data itself
  ['php:8.3-fpm', { family: 'php', distro: 'debian', existingUser: undefined, dropsPrivileges: false }],
  ['php:8.3-fpm-alpine', { family: 'php', distro: 'alpine', existingUser: undefined }],
  ['php:8.3-cli', { distro: 'debian', existingUser: undefined }],
  ['php:8.3-apache', { family: 'php', distro: 'debian', existingUser: undefined, dropsPrivileges: true }],
  // openjdk
  ['openjdk:17-jdk-slim', { family: 'openjdk', distro: 'debian' }],
  ['openjdk:11', { distro: 'debian' }],
  ['openjdk:8-jre', { distro: 'debian' }],
  ['openjdk:17', { distro: 'rhel-minimal' }],
  ['openjdk:21-jdk', { distro: 'rhel-minimal' }],
  ['openjdk:17-oraclelinux8', { distro: 'rhel-minimal' }],
  ['openjdk:22-ea-alpine', { distro: 'alpine' }],
  // eclipse-temurin: no suffix and noble are Ubuntu noble WITH user ubuntu
  ['eclipse-temurin:21', { family: 'eclipse-temurin', distro: 'ubuntu', existingUser: UBUNTU }],
  ['eclipse-temurin:21-jre', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['eclipse-temurin:21-jdk', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['eclipse-temurin:21-jre-noble', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['eclipse-temurin:latest', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['eclipse-temurin:${JAVA_VERSION}-jre', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['eclipse-temurin:17-jdk-jammy', { distro: 'ubuntu', existingUser: undefined }],
  ['eclipse-temurin:11-jre-focal', { distro: 'ubuntu', existingUser: undefined }],
  ['eclipse-temurin:21-jre-alpine', { distro: 'alpine', existingUser: undefined }],
  ['eclipse-temurin:21-jdk-ubi9-minimal', { distro: 'rhel-minimal', existingUser: undefined, needsShadowUtils: true }],
  ['eclipse-temurin:21-jdk-windowsservercore-ltsc2022', { family: 'eclipse-temurin', distro: 'windows' }],
  // amazoncorretto / amazonlinux: Amazon Linux is rhel, shadow-utils may be missing
  ['amazoncorretto:21', { family: 'amazoncorretto', distro: 'rhel', needsShadowUtils: true }],
  ['amazoncorretto:17-al2023', { distro: 'rhel', needsShadowUtils: true }],
  ['amazoncorretto:8-al2-jdk', { distro: 'rhel' }],
  ['amazoncorretto:21-alpine', { distro: 'alpine', needsShadowUtils: undefined }],
  ['amazonlinux:2023', { family: 'amazonlinux', distro: 'rhel', needsShadowUtils: true }],
  ['amazonlinux:2', { family: 'amazonlinux', distro: 'rhel' }],
  // alpine, busybox
  ['alpine:3.20', { family: 'alpine', distro: 'alpine', existingUser: undefined, hasShell: true }],
  ['alpine', { family: 'alpine', distro: 'alpine' }],
  ['busybox:1.36', { family: 'busybox', distro: 'alpine', existingUser: undefined }],
  ['busybox:musl', { family: 'busybox' }],
  // Prometheus' base for its exporters (prometheus/busybox glibc/Dockerfile: FROM busybox:glibc): BusyBox applets.
  ['quay.io/prometheus/busybox-linux-amd64:latest', { family: 'prometheus-busybox', distro: 'alpine' }],
  ['quay.io/prometheus/busybox:glibc', { family: 'prometheus-busybox', distro: 'alpine' }],
  ['prom/busybox', { family: 'prometheus-busybox', distro: 'alpine' }],
  // dotnet: user app 1654 from 8.0
  ['mcr.microsoft.com/dotnet/aspnet:8.0', { family: 'dotnet', distro: 'debian', existingUser: APP, defaultUser: 'root' }],
  ['mcr.microsoft.com/dotnet/runtime:8.0-bookworm-slim', { distro: 'debian', existingUser: APP }],
  ['mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine', { distro: 'alpine', existingUser: APP }],
  ['mcr.microsoft.com/dotnet/sdk:8.0-noble', { distro: 'ubuntu', existingUser: APP }],
  ['mcr.microsoft.com/dotnet/sdk:8.0-jammy', { distro: 'ubuntu', existingUser: APP }],
  ['mcr.microsoft.com/dotnet/aspnet:9.0', { distro: 'debian', existingUser: APP }],
  ['mcr.microsoft.com/dotnet/aspnet:10.0', { distro: 'ubuntu', existingUser: APP }],
  ['mcr.microsoft.com/dotnet/aspnet:latest', { distro: 'ubuntu', existingUser: APP }],
  ['mcr.microsoft.com/dotnet/aspnet:8.0.11', { distro: 'debian', existingUser: APP }],
  ['mcr.microsoft.com/dotnet/aspnet:6.0', { distro: 'debian', existingUser: undefined }],
  ['mcr.microsoft.com/dotnet/runtime:7.0-alpine', { distro: 'alpine', existingUser: undefined }],
  [
    'mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled',
    { distro: 'distroless', existingUser: APP, hasShell: false, defaultUser: '1654', nonRootByDefault: true },
  ],
  ['mcr.microsoft.com/dotnet/runtime-deps:9.0-noble-chiseled-extra', { distro: 'distroless', hasShell: false, nonRootByDefault: true }],
  ['mcr.microsoft.com/dotnet/aspnet:8.0-azurelinux3.0', { existingUser: APP, needsShadowUtils: true }],
  ['mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022', { family: 'dotnet', distro: 'windows', defaultUser: 'ContainerUser' }],
  ['mcr.microsoft.com/dotnet/sdk:8.0-windowsservercore-ltsc2022', { family: 'dotnet', distro: 'windows', defaultUser: 'ContainerAdministrator' }],
  // UBI and the RHEL family
  ['registry.access.redhat.com/ubi9/ubi:9.4', { family: 'ubi', distro: 'rhel' }],
  ['registry.access.redhat.com/ubi9', { family: 'ubi', distro: 'rhel' }],
  ['registry.access.redhat.com/ubi8/ubi', { family: 'ubi', distro: 'rhel' }],
  ['registry.redhat.io/ubi9/ubi-init', { family: 'ubi', distro: 'rhel' }],
  ['redhat/ubi9', { family: 'ubi', distro: 'rhel' }],
  ['registry.access.redhat.com/ubi9/ubi-minimal:9.4', { family: 'ubi-minimal', distro: 'rhel-minimal', needsShadowUtils: true }],
  ['registry.access.redhat.com/ubi8/ubi-minimal', { family: 'ubi-minimal', distro: 'rhel-minimal' }],
  ['registry.access.redhat.com/ubi8-minimal', { family: 'ubi-minimal', distro: 'rhel-minimal' }],
  ['redhat/ubi9-minimal', { family: 'ubi-minimal', distro: 'rhel-minimal' }],
  ['fedora:40', { family: 'fedora', distro: 'rhel' }],
  ['rockylinux:9', { family: 'rockylinux', distro: 'rhel' }],
  ['rockylinux:9-minimal', { family: 'rockylinux', distro: 'rhel-minimal' }],
  ['rockylinux/rockylinux:9.4', { family: 'rockylinux', distro: 'rhel' }],
  ['almalinux:9', { family: 'almalinux', distro: 'rhel' }],
  ['almalinux:9-minimal', { family: 'almalinux', distro: 'rhel-minimal' }],
  ['almalinux/9-minimal', { family: 'almalinux', distro: 'rhel-minimal' }],
  ['centos:7', { family: 'centos', distro: 'rhel' }],
  ['quay.io/centos/centos:stream9', { family: 'centos', distro: 'rhel' }],
  // nginx: swap, never USER
  [
    'nginx:1.27-alpine',
    { family: 'nginx', distro: 'alpine', swapTo: 'nginxinc/nginx-unprivileged', dropsPrivileges: true, existingUser: undefined },
  ],
  ['nginx', { family: 'nginx', distro: 'debian', swapTo: 'nginxinc/nginx-unprivileged' }],
  ['nginx:stable', { distro: 'debian', tmpfsPaths: ['/var/cache/nginx', '/var/run'] }],
  ['nginx:mainline-alpine-slim', { distro: 'alpine' }],
  ['docker.io/library/nginx:1.27', { family: 'nginx' }],
  [
    'nginxinc/nginx-unprivileged:1.27-alpine',
    {
      family: 'nginx-unprivileged',
      distro: 'alpine',
      existingUser: { name: 'nginx', uid: 101, gid: 101 },
      defaultUser: '101',
      nonRootByDefault: true,
      capsNeeded: [],
      tmpfsPaths: ['/tmp'],
      swapTo: undefined,
    },
  ],
  ['nginxinc/nginx-unprivileged:stable', { family: 'nginx-unprivileged', distro: 'debian', defaultUser: '101' }],
  ['mirror.gcr.io/nginxinc/nginx-unprivileged', { family: 'nginx-unprivileged' }],
  // postgres: 999 Debian, 70 Alpine; data path moved in 18
  [
    'postgres:16',
    {
      family: 'postgres',
      distro: 'debian',
      existingUser: { name: 'postgres', uid: 999, gid: 999 },
      dropsPrivileges: true,
      capsNeeded: PG_CAPS,
      tmpfsPaths: ['/var/run/postgresql', '/tmp'],
      dataPaths: ['/var/lib/postgresql/data'],
    },
  ],
  ['postgres:16-alpine', { distro: 'alpine', existingUser: { name: 'postgres', uid: 70, gid: 70 }, dataPaths: ['/var/lib/postgresql/data'] }],
  ['postgres:17.2-bookworm', { distro: 'debian', dataPaths: ['/var/lib/postgresql/data'] }],
  ['postgres:18', { dataPaths: ['/var/lib/postgresql'] }],
  ['postgres:18-alpine3.22', { distro: 'alpine', dataPaths: ['/var/lib/postgresql'] }],
  ['postgres', { distro: 'debian', dataPaths: ['/var/lib/postgresql'] }],
  ['postgres:alpine', { distro: 'alpine', dataPaths: ['/var/lib/postgresql'] }],
  // redis and the other gosu databases
  [
    'redis:7',
    { family: 'redis', distro: 'debian', existingUser: { name: 'redis', uid: 999, gid: 999 }, dropsPrivileges: true, capsNeeded: ['CHOWN', 'SETGID', 'SETUID'], dataPaths: ['/data'] },
  ],
  ['redis:7-alpine', { distro: 'alpine', existingUser: { name: 'redis', uid: 999, gid: 1000 } }],
  ['mirror.gcr.io/library/redis:7.4', { family: 'redis' }],
  [
    'docker.io/valkey/valkey:8.0-alpine',
    { family: 'valkey', distro: 'alpine', existingUser: { name: 'valkey', uid: 999, gid: 1000 }, dropsPrivileges: true, capsNeeded: ['CHOWN', 'SETGID', 'SETUID'], dataPaths: ['/data'] },
  ],
  ['valkey/valkey:8', { family: 'valkey', distro: 'debian', existingUser: { name: 'valkey', uid: 999, gid: 999 } }],
  ['mysql:8.4', { family: 'mysql', distro: 'rhel-minimal', dropsPrivileges: true, capsNeeded: PRIVATE_CAPS, dataPaths: ['/var/lib/mysql'], tmpfsPaths: ['/var/run/mysqld', '/tmp'], ports: [3306, 33060] }],
  ['mysql:9.4', { distro: 'rhel-minimal', capsNeeded: PRIVATE_CAPS }],
  ['mysql:innovation-oracle', { distro: 'rhel-minimal' }],
  ['mysql:8.0-debian', { distro: 'debian', dropsPrivileges: true }],
  ['mysql:8.0-oracle', { distro: 'rhel-minimal' }],
  ['mysql:5.6', { distro: 'debian' }],
  ['mariadb:11.4', { family: 'mariadb', distro: 'ubuntu', dropsPrivileges: true, capsNeeded: PRIVATE_CAPS, dataPaths: ['/var/lib/mysql'], tmpfsPaths: ['/run/mysqld', '/tmp'], ports: [3306] }],
  ['mariadb:10.6-focal', { distro: 'ubuntu' }],
  ['mariadb:11.8-noble', { distro: 'ubuntu', existingUser: { name: 'mysql', uid: 999, gid: 999 } }],
  ['mariadb:11.4-ubi', { distro: 'rhel-minimal' }],
  ['mariadb:12.2-ubi9', { distro: 'rhel-minimal' }],
  ['mongo:7', { family: 'mongo', distro: 'ubuntu', dropsPrivileges: true, capsNeeded: PRIVATE_CAPS, dataPaths: ['/data/db', '/data/configdb'], tmpfsPaths: ['/tmp'], ports: [27017] }],
  ['mongo:8.0-noble', { distro: 'ubuntu', existingUser: { name: 'mongodb', uid: 999, gid: 999 } }],
  ['mongo:7-windowsservercore', { family: 'mongo', distro: 'windows' }],
  ['rabbitmq:3.13-management', { family: 'rabbitmq', distro: 'ubuntu', dropsPrivileges: true, capsNeeded: GOSU_CAPS, dataPaths: ['/var/lib/rabbitmq'], existingUser: { name: 'rabbitmq', uid: 999, gid: 999 } }],
  ['rabbitmq:4.1-management', { ports: [4369, 5671, 5672, 15671, 15672, 15691, 15692, 25672] }],
  ['rabbitmq:4.1', { distro: 'ubuntu', ports: [4369, 5671, 5672, 15691, 15692, 25672] }],
  ['rabbitmq:4-management-alpine', { distro: 'alpine', existingUser: { name: 'rabbitmq', uid: 100, gid: 101 }, capsNeeded: GOSU_CAPS }],
  // memcached runs as memcache already
  [
    'memcached:1.6',
    { family: 'memcached', distro: 'debian', defaultUser: 'memcache', nonRootByDefault: true, dropsPrivileges: false, existingUser: { name: 'memcache', uid: 11211, gid: 11211 }, ports: [11211] },
  ],
  ['memcached:1.6-alpine', { distro: 'alpine', nonRootByDefault: true }],
  ['memcached:1-trixie', { distro: 'debian' }],
  // httpd: root master, no swap known
  ['httpd:2.4', { family: 'httpd', distro: 'debian', dropsPrivileges: true, capsNeeded: MASTER_CAPS, swapTo: undefined, nonRootByDefault: false, ports: [80] }],
  ['httpd:2.4-alpine', { family: 'httpd', distro: 'alpine', capsNeeded: MASTER_CAPS }],
  // php: apache master switches to www-data; fpm runs as any user
  ['php:8.4-apache-trixie', { family: 'php', distro: 'debian', dropsPrivileges: true, capsNeeded: MASTER_CAPS, ports: [80] }],
  ['php:8.4-fpm-alpine3.23', { distro: 'alpine', dropsPrivileges: false, capsNeeded: [], ports: [9000] }],
  ['php:8.4-fpm-bookworm', { distro: 'debian', ports: [9000] }],
  ['php:8.4-zts', { distro: 'debian', ports: [] }],
  // tomcat: FROM eclipse-temurin, root, 8080
  ['tomcat:11.0', { family: 'tomcat', distro: 'ubuntu', existingUser: UBUNTU, defaultUser: 'root', dropsPrivileges: false, ports: [8080], writePathsKnown: false }],
  ['tomcat', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['tomcat:10.1-jdk21', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['tomcat:10.1-jre17-temurin-jammy', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:11.0.25-jdk25-temurin-noble', { distro: 'ubuntu', existingUser: UBUNTU }],
  // Releases never built on noble (docker-library/tomcat 11b7d077 added noble with 9.0.91, 10.1.26, 11.0.0-M22): jammy, no user ubuntu.
  ['tomcat:8.5.98-jdk11-temurin', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:9.0.85', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:10.1.25-jre17', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:11.0.0-M21-jdk21-temurin', { distro: 'ubuntu', existingUser: undefined }],
  // Moving tags of retired lines (telefonicaid/perseo-core's `FROM tomcat:8`): never noble either.
  ['tomcat:8', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:8.5', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:8.5-jdk11', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:7', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:10.0-jdk17-temurin', { distro: 'ubuntu', existingUser: undefined }],
  ['tomcat:9', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['tomcat:9.0-jdk21', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['tomcat:9.0.91-jdk21', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['tomcat:10.1.26', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['tomcat:11.0.5', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['tomcat:9.0-jdk11-openjdk-slim', { distro: 'debian', existingUser: undefined }],
  ['tomcat:9.0-jdk17-corretto', { distro: 'rhel', needsShadowUtils: true }],
  ['tomcat:9.0-jdk8-something', { distro: 'unknown', existingUser: undefined }],
  // tomee: /usr/local/tomee, root; Temurin noble (user ubuntu) or alpine, Semeru jammy (no user)
  ['tomee:10.1.0-jre17-temurin-ubuntu-plus', { family: 'tomee', distro: 'ubuntu', existingUser: UBUNTU, defaultUser: 'root', ports: [8080] }],
  ['tomee:10.1.0-jre21-temurin-alpine-webprofile', { family: 'tomee', distro: 'alpine', existingUser: undefined }],
  ['tomee:10.1.0-jre17-semeru-ubuntu-plume', { family: 'tomee', distro: 'ubuntu', existingUser: undefined }],
  ['tomee:latest', { family: 'tomee', distro: 'unknown', existingUser: undefined }],
  // wildfly: USER jboss (1000:1000) on ubi9-minimal; the retired Docker Hub images on CentOS 7
  ['quay.io/wildfly/wildfly:35.0.1.Final-jdk21', { family: 'wildfly', distro: 'rhel-minimal', defaultUser: 'jboss', nonRootByDefault: true, existingUser: { name: 'jboss', uid: 1000, gid: 1000 } }],
  ['quay.io/wildfly/wildfly', { family: 'wildfly', distro: 'rhel-minimal' }],
  ['jboss/wildfly:25.0.0.Final', { family: 'wildfly', distro: 'rhel', defaultUser: 'jboss' }],
  // jenkins: USER jenkins (1000:1000) on debian, alpine and ubi9; JENKINS_HOME is its VOLUME
  ['jenkins/jenkins:lts-jdk17', { family: 'jenkins', distro: 'debian', defaultUser: 'jenkins', nonRootByDefault: true, existingUser: { name: 'jenkins', uid: 1000, gid: 1000 }, dataPaths: ['/var/jenkins_home'], ports: [8080, 50000] }],
  ['jenkins/jenkins:lts-alpine', { family: 'jenkins', distro: 'alpine', nonRootByDefault: true }],
  ['jenkins/jenkins:2.479.1-rhel-ubi9-jdk17', { family: 'jenkins', distro: 'rhel' }],
  ['jenkins/jenkins', { family: 'jenkins', distro: 'debian' }],
  // solr: USER 8983 (numeric) on temurin Ubuntu; /var/solr is its VOLUME
  ['solr:9.6', { family: 'solr', distro: 'ubuntu', defaultUser: '8983', nonRootByDefault: true, existingUser: { name: 'solr', uid: 8983, gid: 8983 }, dataPaths: ['/var/solr'], ports: [8983] }],
  // jetty: USER jetty by name, its UID not pinned upstream
  ['jetty:12-jdk17-alpine', { family: 'jetty', distro: 'alpine', defaultUser: 'jetty', nonRootByDefault: true, existingUser: undefined, ports: [8080] }],
  ['jetty:12.0-jdk21', { family: 'jetty', distro: 'unknown', defaultUser: 'jetty', nonRootByDefault: true }],
  // keycloak: ubi9-micro, USER 1000 (keycloak, group 0)
  ['quay.io/keycloak/keycloak:24.0', { family: 'keycloak', distro: 'rhel-minimal', defaultUser: '1000', nonRootByDefault: true, existingUser: { name: 'keycloak', uid: 1000, gid: 0 }, ports: [8080, 8443] }],
  // sonarqube: USER sonarqube (1000:0), its four folders are VOLUMEs
  ['sonarqube:community', { family: 'sonarqube', distro: 'ubuntu', defaultUser: 'sonarqube', nonRootByDefault: true, existingUser: { name: 'sonarqube', uid: 1000, gid: 0 }, ports: [9000] }],
  // elasticsearch: 8+ runs as 1000:0; 7 steps down with chroot
  ['elasticsearch:9.2.4', { family: 'elasticsearch', distro: 'rhel-minimal', defaultUser: '1000:0', nonRootByDefault: true, dropsPrivileges: false, ports: [9200, 9300], writePathsKnown: false }],
  ['docker.elastic.co/elasticsearch/elasticsearch:8.19.9', { family: 'elasticsearch', distro: 'ubuntu', nonRootByDefault: true }],
  ['elasticsearch:8.12.0', { distro: 'ubuntu', defaultUser: '1000:0' }],
  ['elasticsearch:7.17.9', { distro: 'ubuntu', defaultUser: 'root', dropsPrivileges: true, capsNeeded: ['SETGID', 'SETUID', 'SYS_CHROOT'] }],
  // traefik, caddy, haproxy, grafana, prometheus
  ['traefik:v3', { family: 'traefik', distro: 'alpine', defaultUser: 'root', dropsPrivileges: false, ports: [80], writePathsKnown: false }],
  ['traefik:v3.4-windowsservercore-ltsc2022', { family: 'traefik', distro: 'windows' }],
  ['caddy:2', { family: 'caddy', distro: 'alpine', defaultUser: 'root', fileCapabilities: ['NET_BIND_SERVICE'], ports: [80, 443, 2019] }],
  ['caddy:2.11-alpine', { distro: 'alpine', fileCapabilities: ['NET_BIND_SERVICE'] }],
  ['caddy:2-builder', { distro: 'alpine', fileCapabilities: [], ports: [] }],
  ['haproxy:3.2', { family: 'haproxy', distro: 'debian', defaultUser: 'haproxy', nonRootByDefault: true, existingUser: { name: 'haproxy', uid: 99, gid: 99 } }],
  ['haproxy:3.2-alpine', { distro: 'alpine', nonRootByDefault: true }],
  ['grafana/grafana:11.0.0', { family: 'grafana', distro: 'alpine', defaultUser: '472', nonRootByDefault: true, existingUser: { name: 'grafana', uid: 472, gid: 0 }, ports: [3000], tmpfsPaths: ['/tmp'], writePathsKnown: true }],
  ['grafana/grafana-oss:11.0.0-ubuntu', { family: 'grafana', distro: 'ubuntu', nonRootByDefault: true }],
  ['docker.io/grafana/grafana-enterprise', { family: 'grafana', distro: 'alpine' }],
  // n8n: USER node since 1.0, an entrypoint that only trusts certificates; 0.x stepped down with su-exec
  ['docker.n8n.io/n8nio/n8n:stable', { family: 'n8n', distro: 'alpine', defaultUser: 'node', nonRootByDefault: true, dropsPrivileges: false, existingUser: NODE, ports: [5678], writePathsKnown: false }],
  ['n8nio/n8n:1.100.0', { family: 'n8n', defaultUser: 'node', nonRootByDefault: true, capsNeeded: [] }],
  ['n8nio/n8n', { family: 'n8n', nonRootByDefault: true }],
  ['n8nio/n8n:0.230.0', { family: 'n8n', defaultUser: 'root', nonRootByDefault: false }],
  // kong: USER kong (UID not pinned) since 2.0; 3.x is on Ubuntu, 2.x on Alpine
  ['kong:3.9', { family: 'kong', distro: 'ubuntu', defaultUser: 'kong', nonRootByDefault: true, existingUser: undefined, ports: [8000, 8443, 8001, 8444], writePathsKnown: false }],
  ['kong:latest', { family: 'kong', distro: 'ubuntu', nonRootByDefault: true }],
  ['kong/kong-gateway:3.9-rhel', { family: 'kong', distro: 'rhel-minimal', nonRootByDefault: true }],
  ['kong:2.8.1', { family: 'kong', distro: 'alpine', nonRootByDefault: true }],
  ['kong:2.8.1-ubuntu', { family: 'kong', distro: 'ubuntu', nonRootByDefault: true }],
  ['kong:2.8.1-centos', { family: 'kong', distro: 'rhel', nonRootByDefault: true }],
  ['kong:1.5', { family: 'kong', defaultUser: 'root', nonRootByDefault: false }],
  // mailhog, adminer: non-root by default, write paths set by options the table cannot see
  ['mailhog/mailhog:v1.0.1', { family: 'mailhog', distro: 'alpine', defaultUser: 'mailhog', nonRootByDefault: true, existingUser: { name: 'mailhog', uid: 1000, gid: 1000 }, ports: [1025, 8025], writePathsKnown: false }],
  ['adminer:5', { family: 'adminer', distro: 'alpine', defaultUser: 'adminer', nonRootByDefault: true, existingUser: undefined, ports: [8080], writePathsKnown: false }],
  ['adminer:5-fastcgi', { family: 'adminer', ports: [9000] }],
  ['dpage/pgadmin4:9.8', { family: 'pgadmin', distro: 'alpine', defaultUser: '5050', nonRootByDefault: true, existingUser: { name: 'pgadmin', uid: 5050, gid: 0 }, fileCapabilities: ['NET_BIND_SERVICE'], dataPaths: ['/var/lib/pgadmin'], ports: [80, 443] }],
  ['prom/prometheus:v3.5.0', { family: 'prometheus', distro: 'alpine', defaultUser: 'nobody', nonRootByDefault: true, dataPaths: ['/prometheus'], writePathsKnown: true, hasShell: true, ports: [9090] }],
  ['quay.io/prometheus/prometheus:v3.5.0-distroless', { family: 'prometheus', distro: 'distroless', defaultUser: '65532', nonRootByDefault: true, hasShell: false, dataPaths: [] }],
  // wordpress: apache/fpm first start needs CHOWN, DAC_OVERRIDE, FOWNER; cli runs as www-data
  ['wordpress', { family: 'wordpress', distro: 'debian', dropsPrivileges: true, capsNeeded: WP_CAPS, dataPaths: ['/var/www/html'], ports: [80] }],
  ['wordpress:6.8-php8.3-apache', { distro: 'debian', capsNeeded: WP_CAPS }],
  ['wordpress:6-php8.3-fpm', { distro: 'debian', capsNeeded: WP_CAPS, ports: [9000] }],
  ['wordpress:6-php8.3-fpm-alpine', { distro: 'alpine', capsNeeded: WP_CAPS }],
  ['wordpress:cli-2.12-php8.3', { distro: 'alpine', defaultUser: 'www-data', nonRootByDefault: true, dropsPrivileges: false, capsNeeded: [] }],
  // ghost: FROM node, find-and-chown content, gosu node
  ['ghost:6', { family: 'ghost', distro: 'debian', existingUser: NODE, dropsPrivileges: true, capsNeeded: GOSU_CAPS, dataPaths: ['/var/lib/ghost/content'], ports: [2368] }],
  ['ghost:6-alpine', { distro: 'alpine', capsNeeded: GOSU_CAPS }],
  // minio: root, no step down, VOLUME /data; base by release date
  ['minio/minio:RELEASE.2023-07-21T21-12-44Z', { family: 'minio', distro: 'rhel-minimal' }],
  ['minio/minio:RELEASE.2025-04-22T22-12-26Z', { family: 'minio', distro: 'unknown', defaultUser: 'root', nonRootByDefault: false, dropsPrivileges: false, capsNeeded: [], dataPaths: ['/data'], ports: [9000], writePathsKnown: false }],
  // ... and stays root needing no capability, for any command (the entrypoint puts minio in front), unless it switches users
  ['minio/minio:RELEASE.2025-04-22T22-12-26Z', { staysRoot: true, servesFor: 'any', staysRootUnless: { variables: ['MINIO_USERNAME', 'MINIO_GROUPNAME'], why: expect.stringContaining('chroot --userspec') } }],
  ['minio/minio:RELEASE.2021-04-22T15-44-28Z', { family: 'minio', distro: 'alpine' }],
  ['quay.io/minio/minio:latest', { family: 'minio', distro: 'unknown', defaultUser: 'root' }],
  // nextcloud: root start, rsync --chown and su -p www-data (checked on a stand-in), then Apache's or php-fpm's master
  ['nextcloud:31-apache', { family: 'nextcloud', distro: 'debian', dropsPrivileges: true, capsNeeded: WP_CAPS, dataPaths: ['/var/www/html'], ports: [80], writePathsKnown: false, existingUser: undefined }],
  ['nextcloud', { family: 'nextcloud', distro: 'debian', ports: [80] }],
  ['nextcloud:fpm', { family: 'nextcloud', distro: 'debian', ports: [9000] }],
  ['nextcloud:31-fpm-alpine', { family: 'nextcloud', distro: 'alpine', ports: [9000], capsNeeded: WP_CAPS }],
  // selenium grid: USER 1200:1201 (seluser)
  ['selenium/hub:4.27', { family: 'selenium', distro: 'ubuntu', defaultUser: '1200', nonRootByDefault: true, existingUser: { name: 'seluser', uid: 1200, gid: 1201 }, ports: [4442, 4443, 4444], writePathsKnown: false }],
  ['selenium/node-chrome:latest', { family: 'selenium', ports: [5900], nonRootByDefault: true }],
  ['selenium/standalone-firefox:4.27.0-20241204', { family: 'selenium', ports: [4444, 5900] }],
  ['seleniarm/node-chromium', { family: 'selenium', nonRootByDefault: true }],
  ['selenium/node-firefox:3.141.59-xenon', { family: 'selenium', defaultUser: 'seluser', nonRootByDefault: true, existingUser: undefined }],
  ['selenium/hub:3.141.59-20210929', { family: 'selenium', defaultUser: '1200', existingUser: { name: 'seluser', uid: 1200, gid: 1201 } }],
  // mailpit, meilisearch: root, no step down, writes set by options the table cannot see
  ['axllent/mailpit:v1.21', { family: 'mailpit', distro: 'alpine', defaultUser: 'root', capsNeeded: [], ports: [1025, 1110, 8025], writePathsKnown: false, staysRoot: true, servesFor: 'any' }],
  ['getmeili/meilisearch:v1.12', { family: 'meilisearch', distro: 'alpine', defaultUser: 'root', capsNeeded: [], ports: [7700], writePathsKnown: false, staysRoot: true, servesFor: { words: ['meilisearch', '/bin/meilisearch', '/meilisearch'], optionFirst: false } }],
  // clickhouse: chown of its folders, users.d, the init server stopped with kill, then `clickhouse su 101:101` (checked on a stand-in)
  ['clickhouse/clickhouse-server:25.3', { family: 'clickhouse', distro: 'ubuntu', existingUser: { name: 'clickhouse', uid: 101, gid: 101 }, defaultUser: 'root', dropsPrivileges: true, capsNeeded: ['CHOWN', 'DAC_OVERRIDE', 'KILL', 'SETGID', 'SETUID'], dropsFor: { words: [], optionFirst: true }, fileCapabilities: [], dataPaths: ['/var/lib/clickhouse'], ports: [8123, 9000, 9009], writePathsKnown: false }],
  ['clickhouse:latest', { family: 'clickhouse', dropsPrivileges: true }],
  ['clickhouse/clickhouse-server:23.8-alpine', { family: 'clickhouse', distro: 'alpine' }],
  // Prometheus exporters: non-root, write nothing (blackbox is root); redis_exporter's -alpine tags are root before v1.65.0
  ['quay.io/prometheuscommunity/postgres-exporter:v0.15.0', { family: 'postgres-exporter', defaultUser: 'nobody', nonRootByDefault: true, ports: [9187], writePathsKnown: true }],
  ['prom/mysqld-exporter:v0.16.0-distroless', { family: 'mysqld-exporter', distro: 'distroless', defaultUser: '65532:65532', nonRootByDefault: true, hasShell: false }],
  ['prom/blackbox-exporter:v0.25.0', { family: 'blackbox-exporter', defaultUser: 'root', nonRootByDefault: false, ports: [9115], writePathsKnown: true }],
  ['oliver006/redis_exporter:v1.62.0', { family: 'redis-exporter', distro: 'scratch', defaultUser: '59000:59000', nonRootByDefault: true, hasShell: false }],
  ['oliver006/redis_exporter:v1.62.0-alpine', { family: 'redis-exporter', distro: 'alpine', defaultUser: 'root', nonRootByDefault: false }],
  ['oliver006/redis_exporter:v1.67.0-alpine', { family: 'redis-exporter', distro: 'alpine', defaultUser: '59000:59000', nonRootByDefault: true }],
  ['nginx/nginx-prometheus-exporter:1.3.0', { family: 'nginx-prometheus-exporter', defaultUser: '1001:1001', nonRootByDefault: true, ports: [9113] }],
  // Kafka: appuser 1000; Confluent's images before 6.0 were root
  ['apache/kafka:3.8.0', { family: 'apache-kafka', defaultUser: 'appuser', existingUser: { name: 'appuser', uid: 1000, gid: 1000 }, nonRootByDefault: true, ports: [9092], writePathsKnown: false }],
  ['confluentinc/cp-kafka:7.6.1', { family: 'confluent-kafka', distro: 'rhel-minimal', defaultUser: 'appuser', nonRootByDefault: true, ports: [9092] }],
  ['confluentinc/cp-zookeeper:latest', { family: 'confluent-kafka', nonRootByDefault: true, ports: [2181, 2888, 3888] }],
  ['confluentinc/cp-kafka:5.5.1', { family: 'confluent-kafka', distro: 'debian', defaultUser: 'root', nonRootByDefault: false, existingUser: undefined }],
  // uptime-kuma: 1.x (and latest) chown + setpriv; 2.x root; -rootless node; ping's file capability in all
  ['louislam/uptime-kuma:1', { family: 'uptime-kuma', dropsPrivileges: true, capsNeeded: ['CHOWN', 'NET_RAW', 'SETGID', 'SETUID'], fileCapabilities: [], dataPaths: ['/app/data'] }],
  ['louislam/uptime-kuma', { family: 'uptime-kuma', dropsPrivileges: true }],
  ['louislam/uptime-kuma:2.0.2', { family: 'uptime-kuma', dropsPrivileges: false, defaultUser: 'root', fileCapabilities: ['NET_RAW'], dataPaths: [] }],
  ['louislam/uptime-kuma:2-rootless', { family: 'uptime-kuma', dropsPrivileges: false, defaultUser: 'node', nonRootByDefault: true }],
  // portainer, ollama: root, no step down, checked to need no capability
  ['portainer/portainer-ce:2.21.4', { family: 'portainer', staysRoot: true, servesFor: 'any', capsNeeded: [], dataPaths: ['/data'], ports: [8000, 9000, 9443] }],
  ['ollama/ollama', { family: 'ollama', distro: 'ubuntu', staysRoot: true, servesFor: 'any', capsNeeded: [], ports: [11434] }],
  ['traefik/whoami:v1.10', { family: 'whoami', distro: 'scratch', hasShell: false, defaultUser: 'root', staysRoot: true, servesFor: 'any', capsNeeded: [], ports: [80], writePathsKnown: true }],
  // vault: chown, setcap and su-exec as root: capabilities not known, no-new-privileges changes it
  ['hashicorp/vault:1.17', { family: 'vault', dropsPrivileges: true, capsUnknown: expect.stringContaining('setcap'), newPrivileges: expect.stringContaining('mlock'), dataPaths: ['/vault/logs', '/vault/file'], ports: [8200] }],
  // openbao: 2.6.0 on runs as openbao; 2.5 and older chown and su-exec as root (CHOWN, SETGID, SETUID: stand-in on the
  // team engine); no setcap and no mlock, unlike vault; -ubi is openbao 100:1000, -distroless nonroot 65532
  ['openbao/openbao:2.6.1', { family: 'openbao', distro: 'alpine', defaultUser: 'openbao', nonRootByDefault: true, dropsPrivileges: false, capsNeeded: [], ports: [8200], dataPaths: ['/openbao/logs', '/openbao/file'] }],
  ['openbao/openbao', { family: 'openbao', nonRootByDefault: true }],
  ['quay.io/openbao/openbao:2.5.5', { family: 'openbao', defaultUser: 'root', dropsPrivileges: true, capsNeeded: GOSU_CAPS, newPrivileges: undefined, capsUnknown: undefined, dropsFor: { words: ['bao', 'server', 'version'], optionFirst: true } }],
  ['ghcr.io/openbao/openbao:v2.0.0', { family: 'openbao', dropsPrivileges: true, capsNeeded: GOSU_CAPS }],
  ['openbao/openbao-ubi:2.5.5', { family: 'openbao', distro: 'rhel-minimal', existingUser: { name: 'openbao', uid: 100, gid: 1000 }, defaultUser: 'openbao', nonRootByDefault: true, dropsPrivileges: false }],
  ['ghcr.io/openbao/openbao-distroless:2.6.1', { family: 'openbao', distro: 'distroless', hasShell: false, defaultUser: '65532', nonRootByDefault: true, existingUser: NONROOT, dataPaths: [] }],
  // influxdb: 2.x find-and-chown over 0700 folders then gosu (CHOWN, DAC_OVERRIDE, SETGID, SETUID: stand-in), 1.11+ and
  // 3.x their own user, 1.8 and older root; latest not told apart
  ['influxdb:2.7', { family: 'influxdb', distro: 'debian', existingUser: { name: 'influxdb', uid: 1000, gid: 1000 }, defaultUser: 'root', dropsPrivileges: true, capsNeeded: PRIVATE_CAPS, dropsFor: { words: ['influxd', 'run'], optionFirst: true }, dataPaths: ['/var/lib/influxdb2', '/etc/influxdb2'], ports: [8086] }],
  ['influxdb:2.7.11-alpine', { family: 'influxdb', distro: 'alpine', dropsPrivileges: true, capsNeeded: PRIVATE_CAPS }],
  ['influxdb:1.11', { family: 'influxdb', distro: 'debian', existingUser: { name: 'influxdb', uid: 1500, gid: 1500 }, defaultUser: 'influxdb', nonRootByDefault: true, dropsPrivileges: false, dataPaths: ['/var/lib/influxdb'] }],
  ['influxdb:1.12-alpine', { family: 'influxdb', distro: 'alpine', nonRootByDefault: true }],
  ['influxdb:1.8', { family: 'influxdb', distro: 'debian', defaultUser: 'root', nonRootByDefault: false, dropsPrivileges: false, existingUser: undefined, capsNeeded: [] }],
  ['influxdb:3-core', { family: 'influxdb', distro: 'ubuntu', existingUser: { name: 'influxdb3', uid: 1500, gid: 1500 }, defaultUser: 'influxdb3', nonRootByDefault: true, ports: [8181] }],
  ['influxdb:latest', { family: 'influxdb', dropsPrivileges: false, uncertain: expect.stringContaining('2.x steps down') }],
  // telegraf: setcap then setpriv to telegraf as root, for any command (SETGID, SETUID; NET_RAW for the Debian ping's
  // file capability: stand-in); no-new-privileges changes nothing through setpriv, only through the old Alpine su-exec
  ['telegraf:1.32', { family: 'telegraf', distro: 'debian', defaultUser: 'root', dropsPrivileges: true, capsNeeded: ['NET_RAW', 'SETGID', 'SETUID'], fileCapabilities: [], newPrivileges: undefined, dropsFor: undefined, ports: [8092, 8094, 8125] }],
  ['telegraf', { family: 'telegraf', distro: 'debian', newPrivileges: undefined }],
  ['telegraf:1.39-alpine', { family: 'telegraf', distro: 'alpine', capsNeeded: ['SETGID', 'SETUID'], newPrivileges: undefined, newPrivilegesOnlyAsRoot: undefined }],
  ['telegraf:1.30-alpine', { family: 'telegraf', distro: 'alpine', capsNeeded: ['SETGID', 'SETUID'], newPrivileges: expect.stringContaining('su-exec'), newPrivilegesOnlyAsRoot: true }],
  ['telegraf:1.35.1-alpine', { family: 'telegraf', newPrivilegesOnlyAsRoot: true }],
  ['telegraf:1.17', { family: 'telegraf', distro: 'debian', dropsPrivileges: false, capsNeeded: [], newPrivileges: undefined }],
  ['telegraf:1.14-alpine', { family: 'telegraf', distro: 'alpine', dropsPrivileges: false, capsNeeded: [] }],
  ['telegraf:1.19.3', { family: 'telegraf', dropsPrivileges: true, capsNeeded: [], capsUnknown: expect.stringContaining('#544') }],
  ['telegraf:1.20-alpine', { family: 'telegraf', distro: 'alpine', capsUnknown: expect.stringContaining('#544'), newPrivilegesOnlyAsRoot: true }],
  ['telegraf:1.21-alpine', { family: 'telegraf', distro: 'alpine', newPrivilegesOnlyAsRoot: true }],
  // root servers whose needs were not checked: reported, never made non-root
  ['ghcr.io/google/cadvisor:v0.53.0', { family: 'cadvisor', distro: 'alpine', defaultUser: 'root' }],
  ['gcr.io/cadvisor/cadvisor:v0.49.1', { family: 'cadvisor', distro: 'alpine', defaultUser: 'root', dropsPrivileges: false, staysRoot: undefined, capsNeeded: [], ports: [8080] }],
  ['adguard/adguardhome:v0.107.52', { family: 'adguardhome', distro: 'alpine', defaultUser: 'root', staysRoot: undefined, fileCapabilities: ['NET_BIND_SERVICE'], ports: [53, 67, 68, 80, 443, 853, 3000, 5443, 6060] }],
  ['ghcr.io/open-webui/open-webui:main', { family: 'open-webui', distro: 'debian', defaultUser: 'root', staysRoot: undefined, ports: [8080], writesUnknown: expect.stringContaining('/app/backend/data') }],
  ['portainer/agent:2.19.4', { family: 'portainer-agent', defaultUser: 'root', staysRoot: undefined, ports: [9001] }],
  ['mongo-express:1.0.2-20-alpine3.19', { family: 'mongo-express', distro: 'alpine', existingUser: NODE, defaultUser: 'root', ports: [8081] }],
  ['mongo-express:0.54', { family: 'mongo-express', distro: 'unknown', existingUser: NODE }],
  // pushgateway: nobody (65534) since v0.8.0, root before; -distroless nonroot
  ['prom/pushgateway:v1.11.0', { family: 'pushgateway', distro: 'alpine', existingUser: { name: 'nobody', uid: 65534, gid: 65534 }, defaultUser: '65534', nonRootByDefault: true, ports: [9091] }],
  ['prom/pushgateway', { family: 'pushgateway', nonRootByDefault: true }],
  ['quay.io/prometheus/pushgateway:v1.11.0-distroless', { family: 'pushgateway', distro: 'distroless', hasShell: false, defaultUser: '65532:65532', existingUser: NONROOT }],
  ['prom/pushgateway:v0.7.0', { family: 'pushgateway', defaultUser: 'root', nonRootByDefault: false, existingUser: undefined }],
  // promtail: root, reads host logs (reported); nginx-proxy-manager: s6 /init as root
  // (capabilities not known, never USER); erlang and elixir: base images on Debian or Alpine
  ['grafana/promtail:3.0.0', { family: 'promtail', defaultUser: 'root', dropsPrivileges: false, staysRoot: undefined, ports: [9080], writesUnknown: expect.stringContaining('positions') }],
  ['jc21/nginx-proxy-manager:2.12.1', { family: 'nginx-proxy-manager', distro: 'debian', dropsPrivileges: true, capsNeeded: [], capsUnknown: expect.stringContaining('usermod'), dataPaths: ['/data', '/etc/letsencrypt'], ports: [80, 81, 443] }],
  ['erlang:27', { family: 'erlang', distro: 'debian', existingUser: undefined, defaultUser: 'root', writePathsKnown: false }],
  ['erlang:27-slim', { family: 'erlang', distro: 'debian' }],
  ['erlang:27-alpine', { family: 'erlang', distro: 'alpine' }],
  ['elixir:1.17', { family: 'elixir', distro: 'debian', existingUser: undefined, defaultUser: 'root' }],
  ['elixir:1.17.3-otp-27-alpine', { family: 'elixir', distro: 'alpine' }],
  ['elixir:1.17-otp-26-slim', { family: 'elixir', distro: 'debian' }],
  // localstack: root (capabilities not checked), its state in the /var/lib/localstack VOLUME
  ['localstack/localstack:3.8', { family: 'localstack', distro: 'debian', defaultUser: 'root', existingUser: undefined, staysRoot: undefined, ports: [4566, 5678], dataPaths: ['/var/lib/localstack'] }],
  // gitea: s6 + sshd as root (capabilities not known, never USER); -rootless runs as 1000:1000 with known writes
  ['gitea/gitea:1.22', { family: 'gitea', distro: 'alpine', existingUser: { name: 'git', uid: 1000, gid: 1000 }, defaultUser: 'root', dropsPrivileges: true, capsNeeded: [], capsUnknown: expect.stringContaining('sshd'), dataPaths: ['/data'], ports: [22, 3000], writePathsKnown: false }],
  ['docker.gitea.com/gitea:1.23.1', { family: 'gitea', dropsPrivileges: true }],
  ['gitea/gitea:1.22-rootless', { family: 'gitea', defaultUser: '1000:1000', nonRootByDefault: true, dropsPrivileges: false, capsUnknown: undefined, tmpfsPaths: ['/tmp'], dataPaths: ['/var/lib/gitea', '/etc/gitea'], writePathsKnown: true, writesUnknown: undefined, ports: [2222, 3000] }],
  ['gitea/gitea:latest-rootless', { family: 'gitea', nonRootByDefault: true }],
  // Prometheus' node exporter and alertmanager: USER nobody, no step down
  ['prom/node-exporter:v1.8.2', { family: 'node-exporter', distro: 'alpine', existingUser: { name: 'nobody', uid: 65534, gid: 65534 }, defaultUser: 'nobody', nonRootByDefault: true, ports: [9100], dataPaths: [], writePathsKnown: true }],
  ['quay.io/prometheus/node-exporter:latest', { family: 'node-exporter', nonRootByDefault: true }],
  ['prom/alertmanager:v0.27.0', { family: 'alertmanager', distro: 'unknown', defaultUser: 'nobody', nonRootByDefault: true, dataPaths: ['/alertmanager'], ports: [9093], writePathsKnown: true }],
  // authelia: chown -R $PUID:$PGID /config, then su-exec (PUID=0 by default): CHOWN, SETGID, SETUID (stand-in)
  ['authelia/authelia:4.38', { family: 'authelia', distro: 'alpine', defaultUser: 'root', dropsPrivileges: true, capsNeeded: ['CHOWN', 'SETGID', 'SETUID'], dropsFor: { words: ['--config'], optionFirst: false }, ports: [9091], writePathsKnown: false }],
  ['ghcr.io/authelia/authelia:latest', { family: 'authelia', dropsPrivileges: true }],
  // n8n's task runners: USER runner (1000); -distroless: 65532
  ['n8nio/runners:1.117.0', { family: 'n8n-runners', distro: 'alpine', existingUser: { name: 'runner', uid: 1000, gid: 1000 }, defaultUser: 'runner', nonRootByDefault: true, ports: [5680] }],
  ['n8nio/runners:1.117.0-distroless', { family: 'n8n-runners', distro: 'distroless', hasShell: false, defaultUser: '65532:65532', nonRootByDefault: true }],
  // matomo: wordpress's first-start copy, then Apache's or php-fpm's master switch
  ['matomo:5', { family: 'matomo', distro: 'debian', dropsPrivileges: true, capsNeeded: WP_CAPS, ports: [80], dataPaths: ['/var/www/html'], tmpfsPaths: ['/var/run/apache2', '/var/lock/apache2'] }],
  ['matomo:5-fpm-alpine', { family: 'matomo', distro: 'alpine', dropsPrivileges: true, ports: [9000] }],
  ['matomo:fpm', { family: 'matomo', distro: 'debian', ports: [9000] }],
  // loki, opensearch: non-root by default, no VOLUME, write paths set by their configuration
  ['grafana/loki:3.4.2', { family: 'loki', defaultUser: '10001', nonRootByDefault: true, existingUser: { name: 'loki', uid: 10001, gid: 10001 }, ports: [3100], writePathsKnown: false }],
  ['opensearchproject/opensearch:2.19.1', { family: 'opensearch', distro: 'rhel', defaultUser: '1000', nonRootByDefault: true, existingUser: { name: 'opensearch', uid: 1000, gid: 1000 }, ports: [9200, 9300, 9600, 9650], writePathsKnown: false }],
  // base images: more variants
  ['node:22-trixie-slim', { family: 'node', distro: 'debian', existingUser: NODE }],
  ['node:current-alpine3.22', { distro: 'alpine', existingUser: NODE }],
  ['node:lts-bullseye', { distro: 'debian' }],
  ['node:20.11.1-bookworm', { distro: 'debian' }],
  ['python:3.14-slim-trixie', { family: 'python', distro: 'debian', ports: [] }],
  ['python:3.13-windowsservercore-ltsc2025', { family: 'python', distro: 'windows' }],
  ['golang:1.25-trixie', { family: 'golang', distro: 'debian' }],
  ['golang:1.25-alpine3.22', { distro: 'alpine' }],
  ['ruby:3.4-slim-trixie', { family: 'ruby', distro: 'debian' }],
  ['ruby:3.4-alpine3.22', { distro: 'alpine' }],
  ['eclipse-temurin:25-jdk-resolute', { distro: 'ubuntu', existingUser: UBUNTU }],
  ['eclipse-temurin:25-jre-alpine-3.22', { distro: 'alpine', existingUser: undefined }],
  ['eclipse-temurin:25-jdk-ubi10-minimal', { distro: 'rhel-minimal', needsShadowUtils: true }],
  // distroless: only :nonroot tags run as 65532; only :debug tags have a shell
  ['gcr.io/distroless/static-debian12', { family: 'distroless', distro: 'distroless', defaultUser: 'root', nonRootByDefault: false, hasShell: false, existingUser: NONROOT_HOME }],
  ['gcr.io/distroless/static-debian12:latest', { defaultUser: 'root', hasShell: false }],
  ['gcr.io/distroless/static-debian12:nonroot', { defaultUser: '65532', nonRootByDefault: true, hasShell: false }],
  ['gcr.io/distroless/base-debian12:nonroot-amd64', { defaultUser: '65532', nonRootByDefault: true }],
  ['gcr.io/distroless/base-debian12:debug', { defaultUser: 'root', hasShell: true }],
  ['gcr.io/distroless/base-debian12:debug-nonroot', { defaultUser: '65532', nonRootByDefault: true, hasShell: true }],
  ['gcr.io/distroless/nodejs22-debian12', { family: 'distroless' }],
  ['gcr.io/distroless/java21-debian12:nonroot', { family: 'distroless', nonRootByDefault: true }],
  // scratch
  ['scratch', { family: 'scratch', distro: 'scratch', hasShell: false, existingUser: undefined, defaultUser: 'root' }],
  // chainguard
  ['cgr.dev/chainguard/node', { family: 'chainguard', defaultUser: '65532', nonRootByDefault: true, hasShell: false }],
  ['cgr.dev/chainguard/python:latest-dev', { family: 'chainguard', nonRootByDefault: true, hasShell: true, distro: 'alpine' }],
  ['cgr.dev/chainguard/static:latest', { distro: 'distroless', hasShell: false }],
  // wolfi-base runs as root with a shell and apk (images/wolfi-base/config/main.tf: run-as = 0), nonroot 65532 in its passwd
  ['cgr.dev/chainguard/wolfi-base:latest', { family: 'wolfi-base', distro: 'alpine', hasShell: true, nonRootByDefault: false, defaultUser: 'root' }],
  ['chainguard/wolfi-base', { family: 'wolfi-base', distro: 'alpine', hasShell: true }],
  // bitnami
  ['bitnami/redis:7.2', { family: 'bitnami', defaultUser: '1001', nonRootByDefault: true, dropsPrivileges: false }],
  ['docker.io/bitnami/postgresql:16', { family: 'bitnami', defaultUser: '1001' }],
  ['bitnamilegacy/mongodb:7.0', { family: 'bitnami', nonRootByDefault: true }],
  // Windows
  ['mcr.microsoft.com/windows/servercore:ltsc2022', { family: 'windows', distro: 'windows', defaultUser: 'ContainerAdministrator' }],
  ['mcr.microsoft.com/windows/nanoserver:ltsc2022', { family: 'windows', distro: 'windows', defaultUser: 'ContainerUser' }],
  ['mcr.microsoft.com/windows/nanoserver', { family: 'windows', defaultUser: 'ContainerUser' }],
  ['mcr.microsoft.com/windows:ltsc2019', { family: 'windows', distro: 'windows' }],
  ['mcr.microsoft.com/windows/server:ltsc2022', { family: 'windows', distro: 'windows' }],
  ['mcr.microsoft.com/windows/servercore/iis', { family: 'windows' }],
  ['python:3.12-windowsservercore-ltsc2022', { family: 'python', distro: 'windows', existingUser: undefined }],
  ['golang:1.23-nanoserver', { family: 'golang', distro: 'windows', defaultUser: 'ContainerUser' }],
  // Any image with a Windows tag, even one we do not know.
  ['mycorp/app:1.0-windowsservercore-ltsc2022', { family: 'windows', distro: 'windows' }],
];

describe('lookupImage', () => {
  it.each(CASES)('%s', (ref, want) => {
    const facts = look(ref);
    expect(facts, ref).toBeDefined();
    for (const [key, value] of Object.entries(want)) {
      expect(facts![key as keyof ImageFacts], key).toEqual(value);
    }
    if (facts!.distro === 'windows') expect(facts!.outOfScope).toMatch(/Windows/);
    else expect(facts!.outOfScope).toBeUndefined();
  });

  it.each(['mycorp/app', 'mycorp/app:1.0', 'mycorp/traefik:v3', 'selenium/video:latest', 'selenium/node-docker:4', 'minio/mc', 'ghcr.io/owner/app:1', '${BASE}', '${BASE_IMAGE}:${TAG}', '${REGISTRY}/library/node:20', 'registry:5000/nginxinc/nginx-unprivileged', 'quay.io/prometheus/snmp-exporter'])(
    'knows nothing about %s',
    (ref) => {
      expect(look(ref)).toBeUndefined();
    },
  );

  it('reports unresolved ARG tags as uncertain instead of guessing', () => {
    const node = look('node:${NODE_VERSION}')!;
    expect(node).toMatchObject({ family: 'node', distro: 'unknown', existingUser: NODE });
    expect(node.uncertain).toContain('${NODE_VERSION}');
    expect(look('node:${NODE_VERSION}-alpine')).toMatchObject({ distro: 'alpine', existingUser: NODE });
    expect(look('node:${NODE_VERSION}-alpine')!.uncertain).toBeUndefined();

    const ubuntu = look('ubuntu:${UBUNTU_VERSION}')!;
    expect(ubuntu.distro).toBe('ubuntu');
    expect(ubuntu.existingUser).toBeUndefined();
    expect(ubuntu.uncertain).toBeDefined();

    const pg = look('postgres:${PG_MAJOR}-bookworm')!;
    expect(pg).toMatchObject({ distro: 'debian', dataPaths: [] });
    expect(pg.uncertain).toMatch(/data path/);
    expect(look('postgres:${PG_TAG}')!.distro).toBe('unknown');

    expect(look('mcr.microsoft.com/dotnet/aspnet:${DOTNET}-alpine')).toMatchObject({ distro: 'alpine' });
    expect(look('mcr.microsoft.com/dotnet/aspnet:${DOTNET}-alpine')!.existingUser).toBeUndefined();
    expect(look('mcr.microsoft.com/dotnet/aspnet:${DOTNET}-alpine')!.uncertain).toMatch(/1654/);

    const distroless = look('gcr.io/distroless/static-debian12:${TAG}')!;
    expect(distroless).toMatchObject({ defaultUser: 'root', hasShell: false, existingUser: NONROOT });
    expect(distroless.uncertain).toBeDefined();
  });

  it('treats a digest without a tag as an unknown tag', () => {
    const node = look(`node@${SHA}`)!;
    expect(node).toMatchObject({ family: 'node', distro: 'unknown', existingUser: NODE });
    expect(node.uncertain).toMatch(/digest/);
    expect(look(`node:22-alpine@${SHA}`)).toMatchObject({ distro: 'alpine' });
    // A family whose facts do not depend on the tag stays certain.
    expect(look(`alpine@${SHA}`)).toMatchObject({ distro: 'alpine' });
    expect(look(`alpine@${SHA}`)!.uncertain).toBeUndefined();
  });

  it('says so for an ubuntu tag it cannot place', () => {
    const f = look('ubuntu:someday')!;
    expect(f.existingUser).toBeUndefined();
    expect(f.uncertain).toMatch(/ubuntu/);
  });

  it('returns frozen facts, so a caller cannot corrupt the table or another caller\'s answer', () => {
    const a = look('postgres:16')!;
    expect(() => a.capsNeeded.push('SYS_ADMIN')).toThrow(TypeError);
    expect(() => {
      a.existingUser!.uid = 0;
    }).toThrow(TypeError);
    expect(() => {
      a.defaultUser = 'root';
    }).toThrow(TypeError);
    const b = look('postgres:16')!;
    expect(b.capsNeeded).toEqual(PG_CAPS);
    expect(b.existingUser!.uid).toBe(999);
  });

  it('covers at least every family the brief names', () => {
    const families = new Set(CASES.map(([ref]) => look(ref)!.family));
    for (const f of [
      'node', 'ubuntu', 'debian', 'python', 'golang', 'rust', 'openjdk', 'eclipse-temurin', 'amazoncorretto', 'alpine', 'busybox',
      'php', 'ruby', 'dotnet', 'ubi', 'ubi-minimal', 'fedora', 'rockylinux', 'almalinux', 'amazonlinux', 'centos', 'nginx',
      'nginx-unprivileged', 'postgres', 'redis', 'mysql', 'mariadb', 'mongo', 'rabbitmq', 'memcached', 'httpd', 'distroless',
      'scratch', 'chainguard', 'bitnami', 'windows', 'tomcat', 'elasticsearch', 'traefik', 'caddy', 'haproxy', 'grafana',
      'prometheus', 'wordpress', 'ghost', 'jenkins', 'solr', 'jetty', 'keycloak', 'sonarqube',
    ]) {
      expect(families, f).toContain(f);
    }
  });
});

describe('the table', () => {
  it('gives every row an upstream https source and a unique family', () => {
    const seen = new Set<string>();
    for (const row of IMAGE_ROWS) {
      expect(row.source, row.family).toMatch(/^https:\/\/\S+$/);
      expect(seen.has(row.family), row.family).toBe(false);
      seen.add(row.family);
    }
  });

  it('matches each name to one row at most', () => {
    for (const [ref] of CASES) {
      const name = parseImageRef(ref).name;
      const rows = IMAGE_ROWS.filter((r) => r.names.some((n) => (typeof n === 'string' ? n === name : n.test(name))));
      expect(rows.length, ref).toBeLessThanOrEqual(1);
    }
  });

  it('is consistent for every case', () => {
    for (const [ref] of CASES) {
      const f = look(ref)!;
      if (f.distro === 'windows') continue;
      // A non-root default is a number or a name, never root.
      expect(f.nonRootByDefault, ref).toBe(f.defaultUser !== 'root' && f.defaultUser !== '0');
      // An image that drops privileges itself starts as root.
      if (f.dropsPrivileges) expect(f.nonRootByDefault, ref).toBe(false);
      // No shell means no RUN: only distroless-style images.
      if (!f.hasShell) expect(['distroless', 'scratch'], ref).toContain(f.distro);
      // A swap target must itself be in the table and non-root.
      if (f.swapTo) expect(look(f.swapTo)?.nonRootByDefault, ref).toBe(true);
      if (f.existingUser) expect(f.existingUser.uid, ref).toBeGreaterThan(0);
      // A capability list says where it was read: the entrypoint that steps down, or the server's source.
      if (f.dropsPrivileges) expect(f.capsNeeded.length > 0 || !!f.capsUnknown, ref).toBe(true);
      if (f.capsUnknown) expect(f.capsNeeded, ref).toEqual([]);
      if (f.capsNeeded.length) expect(f.capsSource, ref).toMatch(/^https:\/\/\S+$/);
      for (const c of [...f.capsNeeded, ...f.fileCapabilities]) expect(c, ref).toMatch(/^[A-Z_]+$/);
      for (const p of f.ports) expect(p > 0 && p < 65536, ref).toBe(true);
    }
  });

  it('gives the rows verified against their entrypoints no capability they do not use', () => {
    // FOWNER is for chmod/utime of another user's files: only postgres (chmod 700 PGDATA) and
    // wordpress (tar into www-data's folder) do that; the find-and-chown images do not.
    for (const ref of ['mysql:8.4', 'mariadb:11.4', 'mongo:8', 'rabbitmq:4', 'httpd:2.4', 'ghost:6', 'php:8.4-apache']) {
      expect(look(ref)!.capsNeeded, ref).not.toContain('FOWNER');
    }
    // Apache's master only switches users.
    expect(look('httpd:2.4')!.capsNeeded).toEqual(MASTER_CAPS);
  });
});

describe('install-tree writes', () => {
  const paths = (ref: string, pred: (w: ImageFacts['installWrites'][number]) => boolean = () => true) => look(ref)!.installWrites.filter(pred).map((w) => w.path);

  it('knows what tomcat writes in /usr/local/tomcat, whatever the tag', () => {
    for (const ref of ['tomcat:10-jdk17', 'tomcat:9.0-jre11-temurin-jammy', 'tomcat:latest', 'tomcat:${TOMCAT_VERSION}', 'tomcat:9.0-jdk8-something']) {
      expect(paths(ref), ref).toEqual(['/usr/local/tomcat/webapps', '/usr/local/tomcat/conf/Catalina', '/usr/local/tomcat/logs', '/usr/local/tomcat/temp', '/usr/local/tomcat/work']);
      // webapps/ is where it deploys and unpacks WARs; the image leaves it empty (webapps.dist).
      expect(paths(ref, (w) => w.use === 'deploy' && !w.shipped), ref).toEqual(['/usr/local/tomcat/webapps']);
      // `chmod 1777 logs temp work` upstream: any user writes them, and tmpfsPaths covers them.
      expect(paths(ref, (w) => !!w.anyUser), ref).toEqual(look(ref)!.tmpfsPaths);
    }
    const webapps = look('tomcat:10-jdk17')!.installWrites[0]!;
    expect(webapps.offWhen!.file).toBe('/usr/local/tomcat/conf/server.xml');
    expect(webapps.offWhen!.pattern.test('<Host name="localhost" appBase="webapps" unpackWARs="false">')).toBe(true);
    expect(webapps.offWhen!.pattern.test('<Host name="localhost" appBase="webapps" unpackWARs="true">')).toBe(false);
    expect(webapps.manual).toMatch(/unpackWARs="false"/);
  });

  it('knows tomee chmods nothing and keeps the distribution apps in webapps', () => {
    const f = look('tomee:10.1.0-jre17-temurin-ubuntu-plus')!;
    expect(f.installWrites.some((w) => w.anyUser)).toBe(false);
    expect(f.tmpfsPaths).toEqual([]);
    expect(paths('tomee:10.1.0-jre17-temurin-ubuntu-plus', (w) => !!w.shipped)).toEqual(['/usr/local/tomee/webapps']);
  });

  it('knows elasticsearch writes data, logs and config in its install tree, each owned upstream by its user 1000', () => {
    const f = look('docker.elastic.co/elasticsearch/elasticsearch:8.13.4')!;
    expect(f.installWrites.map((w) => [w.path, w.use, w.ownerUid])).toEqual([
      ['/usr/share/elasticsearch/data', 'data', 1000],
      ['/usr/share/elasticsearch/logs', 'scratch', 1000],
      ['/usr/share/elasticsearch/config', 'deploy', 1000],
    ]);
    expect(f.installWrites.find((w) => w.path.endsWith('/config'))).toMatchObject({ shipped: true });
    expect(f.writePathsKnown).toBe(false);
  });

  it('knows n8n keeps its data in ~/.n8n and writes the editor files under ~/.cache at start, both its own user\'s', () => {
    const f = look('docker.n8n.io/n8nio/n8n:stable')!;
    expect(f.installWrites.map((w) => [w.path, w.use, w.ownerUid])).toEqual([
      ['/home/node/.n8n', 'data', 1000],
      ['/home/node/.cache', 'scratch', 1000],
    ]);
    expect(f.tmpfsPaths).toEqual(['/tmp']);
  });

  it('knows kong rewrites its prefix at every start, next to the files the package ships there', () => {
    const f = look('kong:3.9')!;
    expect(f.installWrites.map((w) => [w.path, w.use, !!w.shipped])).toEqual([['/usr/local/kong', 'deploy', true]]);
    expect(f.tmpfsPaths).not.toContain('/usr/local/kong');
  });

  it('knows wildfly writes its standalone folder: deployments and configuration next to files, data kept', () => {
    const ref = 'quay.io/wildfly/wildfly:latest';
    expect(paths(ref, (w) => w.use === 'deploy')).toEqual(['/opt/jboss/wildfly/standalone/deployments', '/opt/jboss/wildfly/standalone/configuration']);
    expect(paths(ref, (w) => w.use === 'data')).toEqual(['/opt/jboss/wildfly/standalone/data']);
    expect(paths(ref, (w) => w.use === 'scratch')).toEqual(['/opt/jboss/wildfly/standalone/log', '/opt/jboss/wildfly/standalone/tmp']);
  });

  it('gives every install write an absolute path, a reason, and a manual step where it cannot stay writable', () => {
    for (const row of IMAGE_ROWS) {
      for (const w of row.facts.installWrites ?? []) {
        expect(w.path, row.family).toMatch(/^\/[^$]+[^/]$/);
        expect(w.what.length, row.family).toBeGreaterThan(0);
        if (w.use === 'deploy') expect(w.manual, `${row.family} ${w.path}`).toBeDefined();
      }
    }
  });

  it('returns them frozen', () => {
    const a = look('tomcat:10-jdk17')!;
    expect(() => {
      a.installWrites[0]!.path = '/x';
    }).toThrow(TypeError);
    expect(() => a.installWrites.pop()).toThrow(TypeError);
    expect(look('tomcat:10-jdk17')!.installWrites).toHaveLength(5);
    expect(look('tomcat:10-jdk17')!.installWrites[0]!.path).toBe('/usr/local/tomcat/webapps');
  });

  it('has none for images that run whatever they are given', () => {
    for (const ref of ['node:22', 'python:3.13-slim', 'eclipse-temurin:21-jre', 'ubuntu:24.04']) expect(look(ref)!.installWrites, ref).toEqual([]);
  });
});

describe('distroFromShell', () => {
  const cases: [string, string | undefined][] = [
    ['apt-get update && apt-get install -y curl', 'debian'],
    ['RUN apt update', 'debian'],
    ['RUN apk add --no-cache curl', 'alpine'],
    ['dnf install -y git && dnf clean all', 'rhel'],
    ['yum -y install git', 'rhel'],
    ['microdnf install -y shadow-utils', 'rhel-minimal'],
    ['microdnf install -y dnf && dnf install -y git', 'rhel-minimal'],
    ['set -eux; \\\n  apk add --no-cache su-exec', 'alpine'],
    ['export DEBIAN_FRONTEND=noninteractive; DEBIAN_FRONTEND=noninteractive apt-get install -y x', 'debian'],
    ['sudo -E apt-get install -y x', 'debian'],
    ['/usr/bin/apt-get install -y x', 'debian'],
    ['/sbin/apk add x', 'alpine'],
    ['if true; then apk add x; fi', 'alpine'],
    ['RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get update', 'debian'],
    ['RUN --mount=type=cache,target=/var/cache/apk true', undefined],
    ['echo apk add is not run here', undefined],
    ['echo "apt-get install" > notes.txt', undefined],
    ['pip install apt', undefined],
    ['# apt-get install -y curl\nnpm ci', undefined],
    ['npm ci # then apk add', undefined],
    ['apt-get install -y x || apk add x', undefined],
    ['command -v apk && apk add x || apt-get install -y x', undefined],
    ['npm ci && npm run build', undefined],
    ['', undefined],
    ['sh -c "apk add --no-cache git"', 'alpine'],
    ['["apt-get", "install", "-y", "curl"]', 'debian'],
    ['RUN ["/bin/sh", "-c", "apk add curl"]', 'alpine'],
    ['["npm", "ci"]', undefined],
    ['<<EOF\nset -e\napt-get update\nEOF', 'debian'],
    ['apt-get-wrapper install x', undefined],
    ['myapk add x', undefined],
    ["apt-get update && apt-get install -y 'apk'", 'debian'],
    ['(cd /tmp && yum install -y x)', 'rhel'],
  ];
  it.each(cases)('%j -> %s', (text, want) => {
    expect(distroFromShell(text)).toBe(want);
  });
});

describe('images built FROM postgres keep its facts (pgvector, PostGIS, TimescaleDB)', () => {
  it('takes the user, distro and data path from the tag', () => {
    const pgvector17 = look('pgvector/pgvector:pg17');
    expect(pgvector17).toMatchObject({ family: 'pgvector', distro: 'debian', existingUser: { name: 'postgres', uid: 999 }, dropsPrivileges: true, dataPaths: ['/var/lib/postgresql/data'] });
    expect(pgvector17?.capsNeeded).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID']);
    expect(pgvector17?.tmpfsPaths).toEqual(['/var/run/postgresql', '/tmp']);
    expect(look('pgvector/pgvector:0.8.1-pg18-trixie')?.dataPaths).toEqual(['/var/lib/postgresql']);
    expect(look('postgis/postgis:16-3.4')).toMatchObject({ family: 'postgis', distro: 'debian', existingUser: { uid: 999 }, dataPaths: ['/var/lib/postgresql/data'] });
    expect(look('postgis/postgis:17-3.5-alpine')).toMatchObject({ distro: 'alpine', existingUser: { name: 'postgres', uid: 70 } });
    expect(look('timescale/timescaledb:latest-pg16')).toMatchObject({ family: 'timescaledb', distro: 'alpine', existingUser: { uid: 70 }, dataPaths: ['/var/lib/postgresql/data'] });
  });

  it('does not guess a data path or user from a tag without the version', () => {
    expect(look('pgvector/pgvector:latest')?.dataPaths).toEqual([]);
    expect(look('postgis/postgis:latest')?.existingUser).toBeUndefined();
    // timescaledb-ha is another image (Ubuntu, its own user): no row.
    expect(look('timescale/timescaledb-ha:pg17')).toBeUndefined();
  });
});

describe('registry aliases of a row', () => {
  // Docker Hub's own hosts, Google's Hub mirror, the ECR copy of the official images, and a digest pinned behind a tag.
  const forms = (name: string, tag: string): string[] => {
    const lib = name.includes('/') ? name : `library/${name}`;
    const out = [`docker.io/${name}:${tag}`, `docker.io/${lib}:${tag}`, `index.docker.io/${lib}:${tag}`, `registry-1.docker.io/${lib}:${tag}`, `mirror.gcr.io/${lib}:${tag}`, `${name}:${tag}@${SHA}`, `docker.io/${lib}:${tag}@${SHA}`];
    if (!name.includes('/')) out.push(`public.ecr.aws/docker/library/${name}:${tag}`, `mirror.gcr.io/${name}:${tag}`);
    return out;
  };
  it.each([
    ['nextcloud', '31-fpm-alpine'],
    ['postgres', '16-alpine'],
    ['redis', '7'],
    ['minio/minio', 'RELEASE.2025-04-22T22-12-26Z'],
    ['selenium/node-chrome', '4.27'],
    ['axllent/mailpit', 'v1.21'],
    ['getmeili/meilisearch', 'v1.12'],
    ['traefik', 'v3.3'],
  ])('%s:%s', (name, tag) => {
    const want = look(`${name}:${tag}`);
    expect(want).toBeDefined();
    for (const ref of forms(name, tag)) expect(look(ref), ref).toEqual(want);
  });
});

describe('whole account lists (accountsKnown)', () => {
  it.each([
    ['alpine:3.22', true],
    ['python:3.12-alpine', true],
    ['node:22-alpine3.22', true],
    ['golang:1.24-alpine', true],
    ['ubuntu:24.04', true],
    ['ubuntu:jammy', true],
    ['ubuntu:latest', true],
    ['eclipse-temurin:21-jre', true],
    ['eclipse-temurin:17-jdk-jammy', true],
    // not read: older Ubuntu (14.04 had libuuid and syslog), golang's buildpack-deps base, temurin's alpine and focal tags
    ['ubuntu:20.04', false],
    ['ubuntu:focal', false],
    ['golang:1.24-bookworm', false],
    ['eclipse-temurin:21-jre-alpine', false],
    ['eclipse-temurin:17-jdk-focal', false],
    ['tomcat:11-jre21-temurin-noble', false],
  ])('%s: %s', (ref, known) => {
    expect(!!look(ref)!.accountsKnown, ref).toBe(known);
  });
});
