print("serving on 80")
