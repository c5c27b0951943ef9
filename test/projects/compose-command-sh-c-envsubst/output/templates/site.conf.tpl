server {
    listen 8080;
    listen [::]:8080;
    location / {
        proxy_pass http://${BACKEND};
    }
}
