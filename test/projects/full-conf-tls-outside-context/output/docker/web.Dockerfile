FROM docker.io/nginxinc/nginx-unprivileged:stable
COPY nginx.conf /etc/nginx/nginx.conf
COPY certs/ /etc/nginx/certs/
EXPOSE 8080 8443
