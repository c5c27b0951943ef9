server {
    listen 80;
    listen [::]:80;
    location / {
        proxy_pass http://${BACKEND};
    }
}
