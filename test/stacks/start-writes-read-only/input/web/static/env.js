window.API_URL = "__API_URL__";
