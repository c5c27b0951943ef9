print("attach with ptrace")
